"""Language names and codes in XLSForm column headers (``label::English (en)``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["LANGUAGE_NAMES", "guess_language", "language_code"]

_NAMES: dict[str, tuple[str, ...]] = {
    "de": ("deutsch", "german", "allemand", "alemán"),
    "en": ("english", "englisch", "anglais", "inglés"),
    "tr": ("türkçe", "turkce", "turkish", "türkisch", "turc"),
    "ar": ("arabic", "arabisch", "العربية", "عربي", "arabe"),
    "fa": ("farsi", "persian", "persisch", "فارسی", "dari"),
    "fr": ("français", "francais", "french", "französisch"),
    "es": ("español", "espanol", "spanish", "spanisch"),
    "it": ("italiano", "italian", "italienisch"),
    "pt": ("português", "portugues", "portuguese", "portugiesisch"),
    "nl": ("nederlands", "dutch", "niederländisch"),
    "ru": ("русский", "russian", "russisch"),
    "pl": ("polski", "polish", "polnisch"),
    "uk": ("українська", "ukrainian", "ukrainisch"),
    "ro": ("română", "romana", "romanian", "rumänisch"),
    "bg": ("български", "bulgarian", "bulgarisch"),
    "el": ("ελληνικά", "greek", "griechisch"),
    "hr": ("hrvatski", "croatian", "kroatisch"),
    "sr": ("српски", "srpski", "serbian", "serbisch"),
    "bs": ("bosanski", "bosnian", "bosnisch"),
    "sq": ("shqip", "albanian", "albanisch"),
    "ku": ("kurdî", "kurdi", "kurdish", "kurdisch"),
    "he": ("עברית", "hebrew", "hebräisch"),
    "ur": ("اردو", "urdu"),
    "hi": ("हिन्दी", "hindi"),
    "bn": ("বাংলা", "bengali", "bangla"),
    "zh": ("中文", "chinese", "chinesisch", "mandarin"),
    "ja": ("日本語", "japanese", "japanisch"),
    "ko": ("한국어", "korean", "koreanisch"),
    "vi": ("tiếng việt", "vietnamese", "vietnamesisch"),
    "ti": ("ትግርኛ", "tigrinya", "tigrinisch"),
    "am": ("አማርኛ", "amharic", "amharisch"),
    "so": ("soomaali", "somali"),
    "sw": ("kiswahili", "swahili"),
    "ps": ("پښتو", "pashto", "paschtu"),
    "hu": ("magyar", "hungarian", "ungarisch"),
    "cs": ("čeština", "czech", "tschechisch"),
    "sk": ("slovenčina", "slovak", "slowakisch"),
    "da": ("dansk", "danish", "dänisch"),
    "sv": ("svenska", "swedish", "schwedisch"),
    "no": ("norsk", "norwegian", "norwegisch"),
    "fi": ("suomi", "finnish", "finnisch"),
    "id": ("bahasa indonesia", "indonesian"),
    "hy": ("հայերեն", "armenian", "armenisch"),
    "ka": ("ქართული", "georgian", "georgisch"),
    "lt": ("lietuvių", "lithuanian", "litauisch"),
    "lv": ("latviešu", "latvian", "lettisch"),
    "ne": ("नेपाली", "nepali"),
    "ny": ("chichewa", "chewa"),
}

#: Language name (lower case, in English, German or itself) -> language code.
LANGUAGE_NAMES: dict[str, str] = {
    name: code for code, names in _NAMES.items() for name in names
}

_IN_PARENS = re.compile(r"\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*\)\s*$")
_CODE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def language_code(spec: str) -> str | None:
    """The code of a language written as ``en``, ``English (en)``, ``English``,
    ``Deutsch``, ``العربية`` …; None when it is not known."""
    spec = spec.strip()
    match = _IN_PARENS.search(spec)
    if match:
        return match.group(1).replace("_", "-").lower()
    name = spec.lower()
    if name in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[name]
    if _CODE.match(name) and (len(name) == 2 or name[:2] in _NAMES or "-" in name):
        return name
    return None


_GERMAN_WORDS = (
    "der die das und ist sind sie ihr ihre ihnen wie was wer nicht mit für "
    "ein eine einen haben wurde bitte wählen geben ja nein oder auch zu"
)
_ENGLISH_WORDS = (
    "the and is are you your what who how not with for a an have has was "
    "please select enter yes no or also to of do"
)
_MARKERS = {
    "de": frozenset(_GERMAN_WORDS.split()),
    "en": frozenset(_ENGLISH_WORDS.split()),
}


def guess_language(texts: Iterable[str]) -> str | None:
    """``de`` or ``en`` when the texts clearly are German or English, else None."""
    counts = dict.fromkeys(_MARKERS, 0)
    for text in texts:
        for word in re.findall(r"[^\W\d_]+", text.lower()):
            for code, markers in _MARKERS.items():
                if word in markers:
                    counts[code] += 1
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    best, second = ranked[0], ranked[1]
    if best[1] >= 2 and best[1] >= 2 * second[1]:
        return best[0]
    return None
