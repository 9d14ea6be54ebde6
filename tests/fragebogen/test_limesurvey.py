"""LimeSurvey (.lss) import, on small hand-written exports in LimeSurvey 4+ layout."""

from __future__ import annotations

import pytest

from fragebogen.errors import DefinitionError
from fragebogen.expressions import evaluate_bool
from fragebogen.limesurvey import import_lss
from fragebogen.model import QuestionType, Text
from fragebogen.validation import expression_values


def lss(languages: list[str], **tables: list[dict[str, str]]) -> bytes:
    """An .lss document with the given tables (each a list of rows)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<document>"]
    parts.append(
        "<LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>600</DBVersion>"
    )
    parts.append(
        "<languages>"
        + "".join(f"<language>{lang}</language>" for lang in languages)
        + "</languages>"
    )
    for name, rows in tables.items():
        fields = sorted({key for row in rows for key in row})
        parts.append(f"<{name}><fields>")
        parts.extend(f"<fieldname>{field}</fieldname>" for field in fields)
        parts.append("</fields><rows>")
        for row in rows:
            cells = "".join(
                f"<{key}><![CDATA[{value}]]></{key}>" if value else f"<{key}/>"
                for key, value in row.items()
            )
            parts.append(f"<row>{cells}</row>")
        parts.append(f"</rows></{name}>")
    parts.append("</document>")
    return "\n".join(parts).encode()


def q(qid: int, title: str, kind: str, **extra: str) -> dict[str, str]:
    return {
        "qid": str(qid),
        "parent_qid": extra.pop("parent", "0"),
        "sid": "1",
        "gid": extra.pop("gid", "10"),
        "type": kind,
        "title": title,
        "other": extra.pop("other", "N"),
        "mandatory": extra.pop("mandatory", "N"),
        "question_order": extra.pop("order", str(qid)),
        "scale_id": "0",
        "relevance": extra.pop("relevance", "1"),
        **extra,
    }


def texts(qid: int, **by_language: str) -> list[dict[str, str]]:
    return [
        {
            "id": f"{qid}{lang}",
            "qid": str(qid),
            "question": text,
            "help": "",
            "language": lang,
        }
        for lang, text in by_language.items()
    ]


def answer(aid: int, qid: int, code: str, order: int) -> dict[str, str]:
    return {
        "aid": str(aid),
        "qid": str(qid),
        "code": code,
        "sortorder": str(order),
        "scale_id": "0",
    }


def answer_text(aid: int, **by_language: str) -> list[dict[str, str]]:
    return [
        {"id": f"{aid}{lang}", "aid": str(aid), "answer": text, "language": lang}
        for lang, text in by_language.items()
    ]


FAMILY = lss(
    ["de", "en"],
    surveys_languagesettings=[
        {
            "surveyls_survey_id": "1",
            "surveyls_language": "de",
            "surveyls_title": "Familie",
        },
        {
            "surveyls_survey_id": "1",
            "surveyls_language": "en",
            "surveyls_title": "Family",
        },
    ],
    groups=[{"gid": "10", "sid": "1", "group_order": "1", "grelevance": ""}],
    group_l10ns=[
        {
            "id": "1",
            "gid": "10",
            "group_name": "Ihre Familie",
            "description": "",
            "language": "de",
        },
        {
            "id": "2",
            "gid": "10",
            "group_name": "Your family",
            "description": "",
            "language": "en",
        },
    ],
    questions=[
        q(1, "Kinder", "L", mandatory="Y", other="Y"),
        q(2, "Alter", "N", relevance='Kinder.NAOK == "A1"'),
        q(3, "Angebote", "M"),
        q(4, "Zufr", "F"),
        q(5, "Rang", "R"),
        q(6, "Warum", "T", relevance='Angebote_SQ001 == "Y" and !is_empty(Alter)'),
        q(7, "Formel", "S", relevance="count(Kinder, Alter) > 1"),
        q(31, "SQ001", "T", parent="3", order="1"),
        q(32, "SQ002", "T", parent="3", order="2"),
        q(41, "kita", "T", parent="4", order="1"),
        q(42, "schule", "T", parent="4", order="2"),
    ],
    question_l10ns=[
        *texts(1, de="Haben Sie <b>Kinder</b>?", en="Do you have <b>children</b>?"),
        *texts(2, de="Wie alt?", en="How old?"),
        *texts(3, de="Welche Angebote?", en="Which offers?"),
        *texts(4, de="Wie zufrieden?", en="How satisfied?"),
        *texts(5, de="Ordnen Sie", en="Rank"),
        *texts(6, de="Warum?", en="Why?"),
        *texts(7, de="Formel", en="Formula"),
        *texts(31, de="Kita", en="Day care"),
        *texts(32, de="Sport", en="Sports"),
        *texts(41, de="Kita", en="Day care"),
        *texts(42, de="Schule", en="School"),
    ],
    answers=[
        answer(100, 1, "A1", 1),
        answer(101, 1, "A2", 2),
        answer(102, 4, "1", 1),
        answer(103, 4, "2", 2),
    ],
    answer_l10ns=[
        *answer_text(100, de="Ja", en="Yes"),
        *answer_text(101, de="Nein", en="No"),
        *answer_text(102, de="gut", en="good"),
        *answer_text(103, de="schlecht", en="bad"),
    ],
    question_attributes=[
        {"qid": "2", "attribute": "min_num_value_n", "value": "0", "language": ""},
        {"qid": "2", "attribute": "max_num_value_n", "value": "17", "language": ""},
        {"qid": "2", "attribute": "num_value_int_only", "value": "1", "language": ""},
        {"qid": "3", "attribute": "max_answers", "value": "2", "language": ""},
    ],
)


def test_groups_questions_codes_and_languages() -> None:
    result = import_lss(FAMILY)
    questionnaire = result.questionnaire
    assert questionnaire.languages == ("de", "en")
    assert questionnaire.title == Text(de="Familie", en="Family")
    page = questionnaire.pages[0]
    assert page.title == Text(de="Ihre Familie", en="Your family")
    kinder = page.questions[0]
    assert kinder.type is QuestionType.SINGLE_CHOICE
    assert kinder.required
    assert kinder.label == Text(de="Haben Sie Kinder?", en="Do you have children?")
    assert [(o.code, o.value, o.other) for o in kinder.options] == [
        (1, "a1", False),
        (2, "a2", False),
        (3, "other", True),
    ]
    alter = page.questions[1]
    assert (alter.type, alter.minimum, alter.maximum, alter.decimals) == (
        QuestionType.NUMBER,
        0,
        17,
        0,
    )
    assert alter.relevant is not None
    values = expression_values(questionnaire, {kinder.name: 1})
    assert evaluate_bool(alter.relevant, values)
    assert not evaluate_bool(
        alter.relevant, expression_values(questionnaire, {kinder.name: 2})
    )
    angebote = page.questions[2]
    assert angebote.type is QuestionType.MULTIPLE_CHOICE
    assert [o.value for o in angebote.options] == ["sq001", "sq002"]
    zufr = page.questions[3]
    assert zufr.type is QuestionType.LIKERT_MATRIX
    assert [i.label["en"] for i in zufr.items] == ["Day care", "School"]
    assert [o.code for o in zufr.options] == [1, 2]
    warum = page.questions[4]
    assert warum.type is QuestionType.LONG_TEXT
    assert (
        warum.relevant
        == f"selected(${{{angebote.name}}}, 'sq001') and not(${{{alter.name}}} = '')"
    )


def test_unsupported_elements_are_named() -> None:
    result = import_lss(FAMILY)
    by_code = {(n.code, n.params["name"]): n for n in result.notices}
    ranking = by_code[("unsupported_type", "Rang")]
    assert ranking.params["column"] == "type"
    assert ranking.params["action"] == "skipped"
    formula = by_code[("relevance_not_translated", "Formel")]
    assert formula.params["column"] == "relevance"
    assert "Formel" in formula.place
    assert (
        by_code[("unsupported_attribute", "Angebote")].params["column"] == "max_answers"
    )
    assert "Rang" not in {q.name for q in result.questionnaire.questions()}


def test_hostile_and_foreign_files_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><document>&b;</document>'
    )
    for data in (
        bomb,
        b"<document><LimeSurveyDocType>Group</LimeSurveyDocType></document>",
        b"kein xml",
    ):
        with pytest.raises(DefinitionError) as info:
            import_lss(data)
        assert info.value.problems[0].code == "unreadable_file"


def test_incomplete_export_is_refused_with_the_missing_field() -> None:
    broken = lss(["de"], questions=[{"title": "Q1", "type": "S"}])
    with pytest.raises(DefinitionError) as info:
        import_lss(broken)
    assert "'qid'" in info.value.problems[0].message


# -- findings of the run over LimeSurvey's own test surveys (issue 12)

GROUP = [{"gid": "10", "sid": "1", "group_order": "1", "grelevance": ""}]


def test_duplicate_question_codes_get_distinct_names() -> None:
    # LimeSurvey's limesurvey_survey_17200_duplicate_codes.lss has such codes
    data = lss(
        ["en"],
        groups=GROUP,
        questions=[q(1, "Q1", "T"), q(2, "Q1", "T"), q(3, "Q2", "T", relevance="Q1")],
        question_l10ns=[*texts(1, en="First"), *texts(2, en="Second")],
    )
    result = import_lss(data)
    first, second, third = result.questionnaire.questions()
    assert (first.name, second.name) == ("q1", "q1_2")
    assert first.label == Text(en="First")
    assert third.relevant == "${q1}"
    codes = [n.code for n in result.notices]
    assert "duplicate_name" not in codes
    duplicate = next(n for n in result.notices if n.code == "duplicate_question_code")
    assert (duplicate.params["row"], duplicate.params["action"]) == ("2", "changed")
    assert "'q1_2'" in duplicate.message


def test_base_language_comes_from_the_survey_row() -> None:
    # <languages> may list the additional language first (limesurvey_survey_OldCodes)
    data = lss(
        ["es", "en"],
        surveys=[{"sid": "1", "language": "en", "additional_languages": "es "}],
        groups=GROUP,
        questions=[q(1, "Q1", "T")],
        question_l10ns=[*texts(1, en="Hello", es="Hola")],
    )
    questionnaire = import_lss(data).questionnaire
    assert questionnaire.languages == ("en", "es")


def test_numeric_subquestion_codes_in_relevance() -> None:
    data = lss(
        ["en"],
        groups=GROUP,
        questions=[
            q(1, "M1", "M"),
            q(11, "1", "T", parent="1", order="1"),
            q(12, "2", "T", parent="1", order="2"),
            q(2, "Why", "T", relevance='M1_1 == "Y"'),
        ],
    )
    questionnaire = import_lss(data).questionnaire
    multiple, why = questionnaire.questions()
    assert why.relevant is not None
    chosen = expression_values(questionnaire, {multiple.name: [1]})
    assert evaluate_bool(why.relevant, chosen)
    other = expression_values(questionnaire, {multiple.name: [2]})
    assert not evaluate_bool(why.relevant, other)


def test_conditions_on_subquestions_are_named() -> None:
    data = lss(
        ["en"],
        groups=GROUP,
        questions=[
            q(1, "Offers", "M"),
            q(11, "SQ1", "T", parent="1", order="1"),
            q(12, "SQ2", "T", parent="1", order="2", relevance="Age.NAOK > 3"),
            q(2, "Age", "N"),
        ],
    )
    result = import_lss(data)
    offers = next(result.questionnaire.questions())
    assert len(offers.options) == 2  # the option is kept, shown always
    [named] = [n for n in result.notices if n.code == "subquestion_relevance"]
    assert named.params["name"] == "Offers"
    assert named.params["column"] == "relevance"
    assert "'SQ2'" in named.message
    assert "Age.NAOK > 3" in named.message
    assert named.message.endswith("übersprungen.")


def test_colliding_answer_codes_are_kept_and_named() -> None:
    data = lss(
        ["en"],
        groups=GROUP,
        questions=[q(1, "L1", "L")],
        answers=[
            answer(100, 1, "A", 1),
            answer(101, 1, "a", 2),
            answer(102, 1, "1", 3),
        ],
        answer_l10ns=[
            *answer_text(100, en="upper"),
            *answer_text(101, en="lower"),
            *answer_text(102, en="one"),
        ],
    )
    result = import_lss(data)
    (single,) = result.questionnaire.questions()
    assert [o.label["en"] for o in single.options] == ["upper", "lower", "one"]
    assert len({o.value for o in single.options}) == 3
    assert len({o.code for o in single.options}) == 3
    assert next(o.code for o in single.options if o.value == "c1") == 1
    changed = [n for n in result.notices if n.code == "option_code_changed"]
    assert [n.params["name"] for n in changed] == ["L1"]
    assert "'a'" in changed[0].message


def test_relevance_on_a_later_question_uses_its_option_values() -> None:
    data = lss(
        ["en"],
        groups=GROUP,
        questions=[q(1, "Early", "T", relevance='Later == "A1"'), q(2, "Later", "L")],
        answers=[answer(100, 2, "A1", 1), answer(101, 2, "A2", 2)],
    )
    early, _ = import_lss(data).questionnaire.questions()
    assert early.relevant == "${later} = 'a1'"


def test_notices_on_group_relevance_and_old_conditions_are_accurate() -> None:
    groups = [{"gid": "10", "sid": "1", "group_order": "1", "grelevance": "foo(1)"}]
    data = lss(
        ["en"],
        groups=groups,
        questions=[q(1, "Q1", "S"), q(2, "Q2", "T", relevance='Q1 == "x"')],
        conditions=[
            {"cid": "1", "qid": "2", "cqid": "1", "method": "==", "value": "x"}
        ],
    )
    result = import_lss(data)
    group = next(n for n in result.notices if n.code == "relevance_not_translated")
    assert "die Seite" in group.message
    assert "die Frage" not in group.message
    # LimeSurvey turned the condition into the relevance equation, which translates
    assert "conditions_not_translated" not in {n.code for n in result.notices}


def test_questions_of_a_missing_group_are_named() -> None:
    data = lss(
        ["en"],
        groups=GROUP,
        questions=[q(1, "Kept", "T"), q(2, "Lost", "T", gid="99")],
    )
    result = import_lss(data)
    assert [x.name for x in result.questionnaire.questions()] == ["kept"]
    lost = next(n for n in result.notices if n.code == "question_without_group")
    assert (lost.params["name"], lost.params["action"]) == ("Lost", "skipped")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"<document><LimeSurveyDocType>Group</LimeSurveyDocType></document>", ".lsg"),
        (
            b"<document><LimeSurveyDocType>Question</LimeSurveyDocType></document>",
            ".lsq",
        ),
        (b"PK\x03\x04rest of a zip archive", ".lsa"),
    ],
)
def test_refusals_of_other_limesurvey_files_say_what_to_upload(
    data: bytes, words: str
) -> None:
    with pytest.raises(DefinitionError) as info:
        import_lss(data)
    message = info.value.problems[0].message
    assert words in message
    assert ".lss" in message


def test_expressions_in_texts_are_named() -> None:
    # limesurvey_survey_allinoneCondition.lss pipes answers into a group name
    group = {"id": "1", "gid": "10", "group_name": "Hello {Q1.NAOK}", "language": "en"}
    data = lss(
        ["en"],
        groups=GROUP,
        group_l10ns=[group],
        questions=[q(1, "Q1", "S"), q(2, "Q2", "S")],
        question_l10ns=[
            *texts(1, en="Name? { not an expression }"),
            *texts(2, en="Thanks, {Q1}!"),
        ],
    )
    result = import_lss(data)
    named = [
        (n.params["name"], n.params["column"], n.params["action"])
        for n in result.notices
        if n.code == "text_expression"
    ]
    assert sorted(named) == [
        ("", "group_name", "as_text"),
        ("Q2", "question", "as_text"),
    ]
    assert result.questionnaire.pages[0].title == Text(en="Hello {Q1.NAOK}")
