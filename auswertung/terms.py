"""The word a district layer uses for its areas ("Stadtteil", "Sozialraum", …)
with its plural, so that reports never build a plural by appending "e".

:func:`plural_of` proposes a plural from a small table of endings; an admin can
store any other plural with the layer. :class:`AreaTerm` gives the forms the
reports need (singular, plural, dative plural).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_TERM", "AreaTerm", "plural_of", "singular_of"]

#: Word endings and their plural endings, longest first wins.
_PLURAL_ENDINGS: tuple[tuple[str, str], ...] = (
    ("raum", "räume"),
    ("teil", "teile"),
    ("bezirk", "bezirke"),
    ("gebiet", "gebiete"),
    ("quartier", "quartiere"),
    ("viertel", "viertel"),
    ("region", "regionen"),
    ("gemeinde", "gemeinden"),
    ("schaft", "schaften"),
    ("kreis", "kreise"),
    ("zone", "zonen"),
    ("district", "districts"),
    ("area", "areas"),
)


def _with_case(word: str, ending: str, replacement: str) -> str:
    stem = word[: len(word) - len(ending)]
    if word[len(stem) :][:1].isupper():
        replacement = replacement[:1].upper() + replacement[1:]
    return stem + replacement


def plural_of(singular: str) -> str:
    """The plural of an area term: ``"Sozialraum"`` → ``"Sozialräume"``,
    ``"Stadtteil"`` → ``"Stadtteile"``, ``"Bezirksregion"`` → ``"Bezirksregionen"``.

    Unknown words get ``-n`` after a final ``e`` and ``-e`` otherwise; an admin
    can store a different plural with the layer.
    """
    word = singular.strip()
    lower = word.lower()
    for ending, replacement in _PLURAL_ENDINGS:
        if lower.endswith(ending):
            return _with_case(word, ending, replacement)
    if not word:
        return word
    if lower.endswith("e"):
        return word + "n"
    if lower.endswith(("el", "er", "en")):
        return word
    return word + "e"


def singular_of(text: str) -> str | None:
    """The area term a layer name suggests: ``"Hamburg – Stadtteile 2024"`` →
    ``"Stadtteil"``; ``None`` where no word of the table is in it."""
    for word in text.replace("–", " ").replace("_", " ").split():
        lower = word.lower()
        for ending, replacement in _PLURAL_ENDINGS:
            if lower.endswith(replacement) and replacement != ending:
                return _with_case(word, replacement, ending)
            if lower.endswith(ending) and len(word) > len(ending):
                return word
    return None


@dataclass(frozen=True)
class AreaTerm:
    """An area term in the forms reports use.

    ``singular`` and ``plural`` as stored with the layer ("Stadtteil",
    "Stadtteile"). Sentences are phrased so that no article (and so no gender)
    is needed: "alle Stadtteile", "in 7 von 104 Stadtteilen".
    """

    singular: str = "Sozialraum"
    plural: str = "Sozialräume"

    @classmethod
    def of(cls, singular: str, plural: str = "") -> AreaTerm:
        """The term with ``plural``, or the proposed plural where it is empty."""
        singular = singular.strip() or DEFAULT_TERM.singular
        return cls(singular, plural.strip() or plural_of(singular))

    @property
    def dative_plural(self) -> str:
        """``"Stadtteilen"``, ``"Sozialräumen"``; unchanged after -n or -s."""
        if self.plural.endswith(("n", "s")):
            return self.plural
        return self.plural + "n"

    def count(self, number: int) -> str:
        """``"1 Stadtteil"``, ``"7 Stadtteile"`` (nominative/accusative)."""
        return f"{number} {self.singular if number == 1 else self.plural}"


DEFAULT_TERM = AreaTerm()
