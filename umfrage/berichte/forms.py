"""Analyst forms (all CSRF-protected)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .rules import LIMITS, PERCENT_FIELDS


class WeightingForm(FlaskForm):
    """The weighting set-up; ``weighting.save_weighting_setup`` checks the content."""

    method = RadioField(
        _l("Verfahren"),
        choices=[
            SelectChoice(
                "poststratify", _l("Nachschichtung (Zellen: Sozialraum × Merkmal)")
            ),
            SelectChoice(
                "rake", _l("Raking (Randverteilungen nacheinander angepasst)")
            ),
            SelectChoice("none", _l("Keine Gewichtung")),
        ],
        default="poststratify",
        validators=[InputRequired()],
    )
    source = RadioField(
        _l("Bevölkerungszahlen"),
        choices=[
            SelectChoice("layer", _l("Bevölkerungstabelle des Gebietslayers")),
            SelectChoice("upload", _l("Hochgeladene Randverteilungen (CSV)")),
        ],
        default="layer",
        validators=[InputRequired()],
    )
    mappings = TextAreaField(
        _l("Zuordnung als Text (ersetzt die Tabellen, wenn ausgefüllt)"),
        validators=[Optional(), Length(max=5000)],
    )
    auto_collapse = BooleanField(
        _l("Zu kleine Zellen beim Speichern mit Nachbar-Sozialräumen zusammenlegen"),
        default=True,
    )
    cross_with_district = BooleanField(
        _l("Merkmale mit dem Sozialraum kreuzen"), default=True
    )
    lower_bound = StringField(
        _l("Untere Grenze des Gewichtungsfaktors"),
        validators=[Optional(), Length(max=20)],
    )
    upper_bound = StringField(
        _l("Obere Grenze des Gewichtungsfaktors"),
        validators=[Optional(), Length(max=20)],
    )
    min_cell_size = IntegerField(
        _l("Mindestzahl Antworten je Gewichtungszelle"),
        default=5,
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
    )
    collapse = TextAreaField(
        _l("Zusammengelegte Stufen"), validators=[Optional(), Length(max=20000)]
    )


class MarginsUploadForm(FlaskForm):
    file = FileField(
        _l("Randverteilungen (CSV: variable,level,population_total)"),
        validators=[FileRequired(_l("Bitte eine CSV-Datei wählen."))],
    )


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (confirm, take over suggestion)."""


class SmallAreaForm(FlaskForm):
    """Covariates and method of a small-area model; choices are set by the view."""

    covariates = SelectMultipleField(
        _l("Kovariaten aus der Bevölkerungstabelle"),
        choices=[],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    method = RadioField(
        _l("Schätzung der Modellvarianz"),
        choices=[
            SelectChoice("reml", _l("REML (MSE nach Prasad–Rao)")),
            SelectChoice("ml", _l("Maximum Likelihood (MSE nach Datta–Lahiri)")),
        ],
        default="reml",
        validators=[InputRequired()],
    )


def _rule_range(name: str) -> NumberRange:
    """The allowed range of a publication rule, in the form's unit."""
    low, high = LIMITS[name]
    factor = 100 if name in PERCENT_FIELDS else 1
    return NumberRange(min=round(low * factor), max=round(high * factor))


class PublicationRulesForm(FlaskForm):
    """The survey's publication rules; shares as whole percentages. The ranges
    are ``rules.LIMITS``, which ``rules.check_rules`` applies again."""

    min_n = IntegerField(
        _l("Mindestzahl Antworten je ausgewiesenem Wert"),
        validators=[InputRequired(), _rule_range("min_n")],
    )
    dominance_n = IntegerField(
        _l("Dominanzregel für Sozialräume mit weniger als … Antworten"),
        validators=[InputRequired(), _rule_range("dominance_n")],
    )
    dominance_k = IntegerField(
        _l("… wenn höchstens so viele Antworten vom Rest abweichen"),
        validators=[InputRequired(), _rule_range("dominance_k")],
    )
    protection = IntegerField(
        _l("Schutzbereich der Sekundärsperrung (% der Wertespanne)"),
        validators=[InputRequired(), _rule_range("protection")],
    )
    cv_limit = IntegerField(
        _l("Eingeschränkter Aussagewert ab Variationskoeffizient (%)"),
        validators=[InputRequired(), _rule_range("cv_limit")],
    )


class KeyIndicatorForm(FlaskForm):
    """The city report's key indicators; ``report_settings`` checks the keys."""

    indikatoren = SelectMultipleField(
        _l("Kernindikatoren (je eine Seite mit Karte und Grafik im Stadtbericht)"),
        choices=[],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
