"""Questionnaire definitions: model, YAML and XLSForm formats, expressions, validation.

Pure Python; imports neither the web application nor the analysis package.
"""
