"""What importing a translators' file into a definition would do."""

from __future__ import annotations

from dataclasses import dataclass, field

from fragebogen.model import Questionnaire

from .files import FileEntry, Location, TranslationFile, TranslationFileError
from .markup import markup_difference
from .units import ReviewFlags, translation_units

__all__ = ["Comparison", "Finding", "TranslationChange", "compare"]


@dataclass(frozen=True)
class TranslationChange:
    """A translation the import takes over: text and review state before and after."""

    key: str
    place: str
    language: str
    old: str
    new: str
    review_before: bool
    review_after: bool
    location: Location


@dataclass(frozen=True)
class Finding:
    """An entry that is not taken over (or a text still missing), with the reason.

    ``code``: ``stale_source`` (the file's source differs from the current one),
    ``markup`` (placeholders or markup differ: ``missing``/``extra``),
    ``unknown_key``, ``duplicate``, ``unknown_language``, ``unknown_column`` (a
    column without a language, not read) or ``missing``.
    """

    code: str
    key: str
    language: str
    location: Location
    file_source: str = ""
    current_source: str = ""
    target: str = ""
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    kind: str
    languages: tuple[str, ...]
    changes: tuple[TranslationChange, ...] = ()
    unchanged: int = 0
    stale: tuple[Finding, ...] = ()
    markup: tuple[Finding, ...] = ()
    unknown: tuple[Finding, ...] = ()
    missing: tuple[Finding, ...] = field(default=())


def _same(first: str, second: str) -> bool:
    return " ".join(first.split()) == " ".join(second.split())


def compare(
    questionnaire: Questionnaire, review: ReviewFlags, file: TranslationFile
) -> Comparison:
    """Compare ``file`` with the definition and its review flags.

    Raises :class:`TranslationFileError` when the file is for another source
    language. A translation is taken over only if its source matches the current
    source text and its placeholders and markup match the source; an empty
    translation in the file changes nothing. The file's review state (fuzzy,
    ``needs-review-translation``, status column) is taken over with the text.
    """
    source = questionnaire.default_language
    if file.source_language and file.source_language != source:
        raise TranslationFileError(
            "wrong_source_language",
            f"Die Datei ist aus der Sprache {file.source_language!r} übersetzt; "
            f"der Fragebogen hat die Ausgangssprache {source!r}.",
            params={"file": file.source_language, "questionnaire": source},
        )
    units = {unit.key: unit for unit in translation_units(questionnaire)}
    targets = set(questionnaire.languages[1:])
    changes: list[TranslationChange] = []
    stale: list[Finding] = []
    markup: list[Finding] = []
    unknown: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    unchanged = 0
    for language in file.languages:
        if language not in targets:
            unknown.append(Finding("unknown_language", "", language, Location()))
    unknown.extend(
        Finding("unknown_column", "", "", location) for location in file.ignored_columns
    )
    for entry in file.entries:
        if entry.language not in targets:
            continue
        unit = units.get(entry.key)
        if unit is None:
            named = bool(entry.key or entry.target or entry.source)
            if named and not any(f.key == entry.key for f in unknown):
                unknown.append(Finding("unknown_key", entry.key, "", entry.location))
            continue
        pair = (entry.key, entry.language)
        if pair in seen:
            unknown.append(
                Finding("duplicate", entry.key, entry.language, entry.location)
            )
            continue
        seen.add(pair)
        finding = _refusal(entry, unit.source(source))
        if finding is not None:
            (stale if finding.code == "stale_source" else markup).append(finding)
            continue
        if not entry.target.strip():
            continue
        old = unit.source(entry.language).strip()
        new = entry.target.strip()
        before = pair in review
        if old == new and before == entry.needs_review:
            unchanged += 1
            continue
        changes.append(
            TranslationChange(
                entry.key,
                unit.place,
                entry.language,
                old,
                new,
                before,
                entry.needs_review,
                entry.location,
            )
        )
    taken = {(c.key, c.language) for c in changes}
    missing = tuple(
        Finding("missing", unit.key, language, Location())
        for unit in units.values()
        if unit.source(source).strip()
        for language in file.languages
        if language in targets
        and not unit.source(language).strip()
        and (unit.key, language) not in taken
    )
    return Comparison(
        file.kind,
        tuple(language for language in file.languages if language in targets),
        tuple(changes),
        unchanged,
        tuple(stale),
        tuple(markup),
        tuple(unknown),
        missing,
    )


def _refusal(entry: FileEntry, current: str) -> Finding | None:
    if not _same(entry.source, current):
        if not entry.target.strip():
            return None
        return Finding(
            "stale_source",
            entry.key,
            entry.language,
            entry.location,
            file_source=entry.source,
            current_source=current,
            target=entry.target,
        )
    if not entry.target.strip():
        return None
    missing, extra = markup_difference(current, entry.target)
    if missing or extra:
        return Finding(
            "markup",
            entry.key,
            entry.language,
            entry.location,
            target=entry.target,
            missing=tuple(missing),
            extra=tuple(extra),
        )
    return None
