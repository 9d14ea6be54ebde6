"""The YAML file format of questionnaires and its plain-data form.

:func:`to_data` turns a questionnaire into plain, JSON-serialisable data with the same
structure as the YAML file; :func:`from_data` rebuilds it (checking the structure),
:func:`load_yaml` reads a YAML text (safe loading only) and checks the whole definition,
:func:`dump_yaml` writes one. The format is documented in ``docs/fragebogen-format.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml

from fragebogen.errors import DefinitionError, Problem
from fragebogen.model import (
    MatrixItem,
    Option,
    Page,
    Question,
    Questionnaire,
    QuestionType,
    Text,
)

__all__ = ["YamlLimits", "dump_yaml", "from_data", "load_yaml", "to_data"]

_T = TypeVar("_T")

_QUESTIONNAIRE_KEYS = ("name", "title", "description", "languages", "pages")
_PAGE_KEYS = ("name", "title", "relevant", "questions")
_QUESTION_KEYS = (
    "name",
    "type",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "minimum",
    "maximum",
    "decimals",
    "unit",
    "options",
    "items",
)
_OPTION_KEYS = ("code", "value", "label", "missing", "exclusive", "other")
_ITEM_KEYS = ("name", "label")


@dataclass(frozen=True)
class YamlLimits:
    """Bounds checked on the event stream before any object is built, so a hostile
    file (alias bomb, deep nesting, millions of nodes) is refused in bounded time
    and memory. The app takes them from its config (``YAML_MAX_*``)."""

    max_bytes: int = 2_000_000
    max_depth: int = 20
    max_aliases: int = 50
    max_nodes: int = 20_000


_EventLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# ------------------------------------------------------------------------- to_data


def _text_data(text: Text) -> dict[str, str]:
    return text.to_dict()


def _number_data(number: float) -> int | float:
    if isinstance(number, int) or (math.isfinite(number) and number.is_integer()):
        return int(number)
    return float(number)


def _option_data(option: Option) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": option.code,
        "value": option.value,
        "label": _text_data(option.label),
    }
    for flag in ("missing", "exclusive", "other"):
        if getattr(option, flag):
            data[flag] = True
    return data


def _question_data(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": question.name,
        "type": str(question.type),
        "label": _text_data(question.label),
    }
    if question.hint is not None:
        data["hint"] = _text_data(question.hint)
    if question.required:
        data["required"] = True
    if question.relevant is not None:
        data["relevant"] = question.relevant
    if question.constraint is not None:
        data["constraint"] = question.constraint
    if question.constraint_message is not None:
        data["constraint_message"] = _text_data(question.constraint_message)
    if question.appearance is not None:
        data["appearance"] = question.appearance
    if question.minimum is not None:
        data["minimum"] = _number_data(question.minimum)
    if question.maximum is not None:
        data["maximum"] = _number_data(question.maximum)
    if question.decimals:
        data["decimals"] = question.decimals
    if question.unit is not None:
        data["unit"] = _text_data(question.unit)
    if question.options:
        data["options"] = [_option_data(option) for option in question.options]
    if question.items:
        data["items"] = [
            {"name": item.name, "label": _text_data(item.label)}
            for item in question.items
        ]
    return data


def _page_data(page: Page) -> dict[str, Any]:
    data: dict[str, Any] = {"name": page.name, "title": _text_data(page.title)}
    if page.relevant is not None:
        data["relevant"] = page.relevant
    data["questions"] = [_question_data(question) for question in page.questions]
    return data


def to_data(questionnaire: Questionnaire) -> dict[str, Any]:
    """The questionnaire as plain, JSON-serialisable data (the YAML structure).

    Default values are left out, so the data is canonical: equal questionnaires give
    equal data.
    """
    data: dict[str, Any] = {
        "name": questionnaire.name,
        "title": _text_data(questionnaire.title),
    }
    if questionnaire.description is not None:
        data["description"] = _text_data(questionnaire.description)
    data["languages"] = list(questionnaire.languages)
    data["pages"] = [_page_data(page) for page in questionnaire.pages]
    return data


# ----------------------------------------------------------------------- from_data


class _Reader:
    """Reads plain data into the model, collecting every problem with its place."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.default_language = ""

    def problem(self, code: str, place: str, message: str, **params: Any) -> None:
        self.problems.append(Problem(code, place, message, params))

    def mapping(
        self, value: object, place: str, keys: tuple[str, ...]
    ) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.problem(
                "wrong_type",
                place,
                "Hier wird ein Eintrag mit Schlüsseln (Mapping) erwartet.",
                expected="mapping",
            )
            return None
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key not in keys:
                self.problem(
                    "unknown_key",
                    f"{place}.{key}" if place else str(key),
                    "Unbekannter Schlüssel {key!r}; erlaubt sind: {allowed}.".format(
                        key=str(key), allowed=", ".join(keys)
                    ),
                    key=str(key),
                    allowed=list(keys),
                )
            else:
                result[key] = item
        return result

    def required(self, data: Mapping[str, Any], key: str, place: str) -> bool:
        if data.get(key) is None:
            self.problem(
                "missing_key",
                _join(place, key),
                f"Der Schlüssel {key!r} fehlt.",
                key=key,
            )
            return False
        return True

    def string(
        self, data: Mapping[str, Any], key: str, place: str, *, required: bool = True
    ) -> str | None:
        if key not in data or data[key] is None:
            if required:
                self.required(data, key, place)
            return None
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(
                "wrong_type", _join(place, key), "Hier wird ein Text erwartet."
            )
            return None
        return str(value).strip()

    def expression(self, data: Mapping[str, Any], key: str, place: str) -> str | None:
        value = self.string(data, key, place, required=False)
        return value or None

    def flag(self, data: Mapping[str, Any], key: str, place: str) -> bool:
        value = data.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.problem(
                "wrong_type",
                _join(place, key),
                "Hier wird true oder false erwartet.",
            )
            return False
        return value

    def integer(self, data: Mapping[str, Any], key: str, place: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(
                "wrong_type", _join(place, key), "Hier wird eine ganze Zahl erwartet."
            )
            return None
        return value

    def number(self, data: Mapping[str, Any], key: str, place: str) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.problem(
                "wrong_type", _join(place, key), "Hier wird eine Zahl erwartet."
            )
            return None
        return float(value)

    def text(
        self, data: Mapping[str, Any], key: str, place: str, *, required: bool = True
    ) -> Text | None:
        value = data.get(key)
        if value is None:
            if required:
                self.required(data, key, place)
            return None
        where = _join(place, key)
        if isinstance(value, str):
            return Text({self.default_language: value.strip()})
        if not isinstance(value, Mapping) or not value:
            self.problem(
                "wrong_type",
                where,
                "Hier wird ein Text oder je Sprache ein Text erwartet "
                "(zum Beispiel de: …, en: …).",
            )
            return None
        texts: dict[str, str] = {}
        for language, text in value.items():
            if not isinstance(language, str) or not isinstance(text, str | int | float):
                self.problem(
                    "wrong_type",
                    f"{where}.{language}",
                    "Hier wird ein Text erwartet.",
                )
                continue
            if isinstance(text, bool):
                self.problem(
                    "wrong_type", f"{where}.{language}", "Hier wird ein Text erwartet."
                )
                continue
            texts[language] = str(text).strip()
        return Text(texts)

    def sequence(
        self,
        data: Mapping[str, Any],
        key: str,
        place: str,
        read: Callable[[object, str], _T | None],
        *,
        required: bool = False,
    ) -> tuple[_T, ...]:
        value = data.get(key)
        if value is None:
            if required:
                self.required(data, key, place)
            return ()
        if not isinstance(value, list | tuple):
            self.problem(
                "wrong_type", _join(place, key), "Hier wird eine Liste erwartet."
            )
            return ()
        results: list[_T] = []
        for index, item in enumerate(value):
            result = read(item, f"{_join(place, key)}[{index}]")
            if result is not None:
                results.append(result)
        return tuple(results)

    # -- model objects

    def option(self, value: object, place: str) -> Option | None:
        data = self.mapping(value, place, _OPTION_KEYS)
        if data is None:
            return None
        if "code" not in data:
            self.required(data, "code", place)
        code = self.integer(data, "code", place)
        name = self.string(data, "value", place)
        label = self.text(data, "label", place)
        flags = {flag: self.flag(data, flag, place) for flag in _OPTION_KEYS[3:]}
        if code is None or name is None or label is None:
            return None
        return Option(code=code, value=name, label=label, **flags)

    def item(self, value: object, place: str) -> MatrixItem | None:
        data = self.mapping(value, place, _ITEM_KEYS)
        if data is None:
            return None
        name = self.string(data, "name", place)
        label = self.text(data, "label", place)
        if name is None or label is None:
            return None
        return MatrixItem(name=name, label=label)

    def question(self, value: object, place: str) -> Question | None:
        data = self.mapping(value, place, _QUESTION_KEYS)
        if data is None:
            return None
        name = self.string(data, "name", place)
        type_name = self.string(data, "type", place)
        question_type: QuestionType | None = None
        if type_name is not None:
            try:
                question_type = QuestionType(type_name)
            except ValueError:
                self.problem(
                    "unknown_type",
                    _join(place, "type"),
                    "Unbekannter Fragetyp {type!r}; erlaubt sind: {allowed}.".format(
                        type=type_name,
                        allowed=", ".join(str(member) for member in QuestionType),
                    ),
                    type=type_name,
                )
        label = self.text(data, "label", place)
        hint = self.text(data, "hint", place, required=False)
        required = self.flag(data, "required", place)
        relevant = self.expression(data, "relevant", place)
        constraint = self.expression(data, "constraint", place)
        constraint_message = self.text(
            data, "constraint_message", place, required=False
        )
        appearance = self.string(data, "appearance", place, required=False) or None
        minimum = self.number(data, "minimum", place)
        maximum = self.number(data, "maximum", place)
        decimals = self.integer(data, "decimals", place) or 0
        unit = self.text(data, "unit", place, required=False)
        options = self.sequence(data, "options", place, self.option)
        items = self.sequence(data, "items", place, self.item)
        if name is None or question_type is None or label is None:
            return None
        return Question(
            name=name,
            type=question_type,
            label=label,
            hint=hint,
            options=options,
            items=items,
            required=required,
            relevant=relevant,
            constraint=constraint,
            constraint_message=constraint_message,
            appearance=appearance,
            minimum=minimum,
            maximum=maximum,
            decimals=decimals,
            unit=unit,
        )

    def page(self, value: object, place: str) -> Page | None:
        data = self.mapping(value, place, _PAGE_KEYS)
        if data is None:
            return None
        name = self.string(data, "name", place)
        title = self.text(data, "title", place)
        relevant = self.expression(data, "relevant", place)
        questions = self.sequence(
            data, "questions", place, self.question, required=True
        )
        if name is None or title is None:
            return None
        return Page(name=name, title=title, questions=questions, relevant=relevant)

    def questionnaire(self, value: object) -> Questionnaire | None:
        data = self.mapping(value, "", _QUESTIONNAIRE_KEYS)
        if data is None:
            return None
        languages = self.languages(data)
        self.default_language = languages[0] if languages else ""
        name = self.string(data, "name", "")
        title = self.text(data, "title", "")
        description = self.text(data, "description", "", required=False)
        pages = self.sequence(data, "pages", "", self.page, required=True)
        if name is None or title is None or not languages:
            return None
        return Questionnaire(
            name=name,
            title=title,
            languages=languages,
            pages=pages,
            description=description,
        )

    def languages(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        value = data.get("languages")
        if value is None:
            self.required(data, "languages", "")
            return ()
        if isinstance(value, str):
            value = [value]
        if (
            not isinstance(value, list | tuple)
            or not value
            or not all(isinstance(language, str) for language in value)
        ):
            self.problem(
                "wrong_type",
                "languages",
                "Hier wird eine Liste von Sprachkürzeln erwartet (zum Beispiel "
                "[de, en]).",
            )
            return ()
        return tuple(language.strip() for language in value)


def _join(place: str, key: str) -> str:
    return f"{place}.{key}" if place else key


def from_data(data: Mapping[str, Any]) -> Questionnaire:
    """Rebuild a questionnaire from :func:`to_data` output (or a parsed YAML file).

    Checks the structure (keys, types) and raises
    :class:`~fragebogen.errors.DefinitionError` with all problems found; the meaning
    (names, references, translations) is checked by
    :func:`fragebogen.definition.check_definition`.
    """
    reader = _Reader()
    questionnaire = reader.questionnaire(data)
    if reader.problems or questionnaire is None:
        raise DefinitionError(
            reader.problems
            or [Problem("invalid_structure", "", "Der Fragebogen ist unvollständig.")]
        )
    return questionnaire


# --------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 booleans: only true/false, not yes/no/on/off.

    Otherwise an English label "No" or the language code ``no`` would turn into a
    boolean.
    """


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _limit_problem(code: str, message: str, limit: int) -> DefinitionError:
    return DefinitionError([Problem(code, "", message, {"limit": limit})])


def _check_shape(text: str, limits: YamlLimits) -> None:
    """Refuse a YAML text that is too large, too deep, has too many nodes or uses
    aliases beyond ``limits``, reading only the parser's events (libyaml where
    available): nothing is expanded or constructed here."""
    if len(text.encode("utf-8")) > limits.max_bytes:
        raise _limit_problem(
            "too_large",
            f"Die Datei ist zu groß für einen Fragebogen (höchstens "
            f"{limits.max_bytes // 1000} KB).",
            limits.max_bytes,
        )
    bounds = {
        "too_many_aliases": (
            limits.max_aliases,
            f"Die Datei verwendet mehr als {limits.max_aliases} YAML-Verweise "
            "(*anker); so viele braucht kein Fragebogen.",
        ),
        "too_many_nodes": (
            limits.max_nodes,
            f"Die Datei hat mehr als {limits.max_nodes} Einträge; so groß ist kein "
            "Fragebogen.",
        ),
        "too_deep": (
            limits.max_depth,
            f"Die Datei ist tiefer als {limits.max_depth} Ebenen verschachtelt.",
        ),
    }
    counts = dict.fromkeys(bounds, 0)
    try:
        for event in yaml.parse(text, Loader=_EventLoader):
            if isinstance(event, yaml.AliasEvent):
                counts["too_many_aliases"] += 1
            elif isinstance(event, yaml.NodeEvent):
                counts["too_many_nodes"] += 1
            if isinstance(event, yaml.CollectionStartEvent):
                counts["too_deep"] += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                counts["too_deep"] -= 1
            for code, (limit, message) in bounds.items():
                if counts[code] > limit:
                    raise _limit_problem(code, message, limit)
    except yaml.YAMLError:
        return  # the loader below reports syntax errors with their place


def load_yaml(text: str | bytes, limits: YamlLimits | None = None) -> Questionnaire:
    """Read a questionnaire from YAML (safe loading) and check the whole definition.

    Raises :class:`~fragebogen.errors.DefinitionError` listing every problem, each with
    its place (``pages[2].questions[0].relevant``). A file beyond ``limits`` (size,
    nesting depth, node count, aliases) is refused before it is loaded.
    """
    from fragebogen.definition import check_definition

    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DefinitionError(
                [
                    Problem(
                        "encoding",
                        "",
                        f"Die Datei ist nicht in UTF-8 kodiert (Byte {error.start}).",
                        {"position": error.start},
                    )
                ]
            ) from None
    _check_shape(text, limits or YamlLimits())
    try:
        data = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"Zeile {mark.line + 1}, Spalte {mark.column + 1}" if mark else ""
        detail = getattr(error, "problem", None) or str(error)
        raise DefinitionError(
            [
                Problem(
                    "yaml_syntax",
                    place,
                    f"Die YAML-Datei ist fehlerhaft: {detail}.",
                    {
                        "line": mark.line + 1 if mark else None,
                        "column": mark.column + 1 if mark else None,
                    },
                )
            ]
        ) from None
    except RecursionError:
        raise DefinitionError(
            [Problem("yaml_syntax", "", "Die YAML-Datei ist zu tief verschachtelt.")]
        ) from None
    if data is None:
        raise DefinitionError([Problem("empty", "", "Die Datei ist leer.")])
    questionnaire = from_data(data)
    check_definition(questionnaire)
    return questionnaire


class _Dumper(yaml.SafeDumper):
    """Safe dumper without anchors/aliases and with indented lists."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def dump_yaml(questionnaire: Questionnaire) -> str:
    """The questionnaire as a YAML text that :func:`load_yaml` reads back unchanged."""
    return yaml.dump(
        to_data(questionnaire),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=88,
    )
