"""The tables of a LimeSurvey export (``.lss``) and what its types become here."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

__all__ = [
    "FIXED",
    "MEANINGFUL",
    "TYPES",
    "as_int",
    "as_number",
    "languages",
    "plain",
    "table",
]

#: LimeSurvey question type -> what it becomes here.
TYPES = {
    "L": "single_choice",
    "!": "single_choice (dropdown)",
    "O": "single_choice (comment skipped)",
    "M": "multiple_choice",
    "P": "multiple_choice (comments skipped)",
    "F": "likert_matrix",
    "A": "likert_matrix (1-5)",
    "B": "likert_matrix (1-10)",
    "C": "likert_matrix (yes/uncertain/no)",
    "E": "likert_matrix (increase/same/decrease)",
    "H": "likert_matrix (by column)",
    "1": "likert_matrix (first scale)",
    "5": "likert (1-5)",
    "N": "number",
    "K": "number per sub-question",
    "Q": "text per sub-question",
    "S": "text",
    "T": "long_text",
    "U": "long_text",
    "Y": "single_choice (yes/no)",
    "G": "single_choice (gender)",
    "D": "date",
    "X": "info",
}
FIXED = {
    "A": [(str(n), {"de": str(n), "en": str(n)}) for n in range(1, 6)],
    "5": [(str(n), {"de": str(n), "en": str(n)}) for n in range(1, 6)],
    "B": [(str(n), {"de": str(n), "en": str(n)}) for n in range(1, 11)],
    "C": [
        ("Y", {"de": "Ja", "en": "Yes"}),
        ("U", {"de": "Unsicher", "en": "Uncertain"}),
        ("N", {"de": "Nein", "en": "No"}),
    ],
    "E": [
        ("I", {"de": "Mehr", "en": "Increase"}),
        ("S", {"de": "Gleich", "en": "Same"}),
        ("D", {"de": "Weniger", "en": "Decrease"}),
    ],
    "Y": [("Y", {"de": "Ja", "en": "Yes"}), ("N", {"de": "Nein", "en": "No"})],
    "G": [
        ("F", {"de": "Weiblich", "en": "Female"}),
        ("M", {"de": "Männlich", "en": "Male"}),
    ],
}
#: Attributes that change what is asked or accepted; named when set and not taken over.
MEANINGFUL = frozenset(
    {
        "array_filter",
        "array_filter_exclude",
        "em_validation_q",
        "em_validation_sq",
        "exclude_all_others",
        "min_answers",
        "max_answers",
        "equals_num_value",
        "min_num_value",
        "max_num_value",
        "hidden",
        "random_order",
        "prefix",
        "time_limit",
        "other_comment_mandatory",
        "value_range_allows_missing",
        "multiflexible_min",
        "multiflexible_max",
        "input_boxes",
    }
)
_TAG = re.compile(r"<[^>]+>")


def plain(html: str) -> str:
    """Question texts are HTML in LimeSurvey; ours are plain text."""
    text = re.sub(r"<(?:br\s*/?|/p|/div|/li)>", "\n", html, flags=re.IGNORECASE)
    text = _TAG.sub("", text)
    for entity, char in (("&nbsp;", " "), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")):
        text = text.replace(entity, char)
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\s*\n\s*", "\n", text).strip()


def table(root: Element, name: str) -> list[dict[str, str]]:
    section = root.find(name)
    if section is None:
        return []
    rows = []
    for row in section.iterfind("rows/row"):
        rows.append({child.tag: (child.text or "").strip() for child in row})
    return rows


def as_int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def as_number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def languages(root: Element) -> list[str]:
    """The survey's languages, its base language first.

    The base language is ``surveys.language``; ``<languages>`` lists all languages
    but not necessarily the base one first.
    """
    listed = [
        (element.text or "").strip().lower()
        for element in root.iterfind("languages/language")
        if (element.text or "").strip()
    ]
    survey = (table(root, "surveys") or [{}])[0]
    declared = [
        survey.get("language", ""),
        *survey.get("additional_languages", "").split(),
    ]
    languages: list[str] = []
    for language in [*(d.lower() for d in declared if d), *listed]:
        if language not in languages:
            languages.append(language)
    return languages or ["de"]
