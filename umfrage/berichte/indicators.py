"""The indicators of a questionnaire (Likert means and top-2 shares, option
shares) and their published table per district: estimate, comparison with the
city, precision and the dominance rule, every number from ``auswertung``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from auswertung import Design, estimate_and_compare
from auswertung.comparison import NOT_TESTED_REASONS
from auswertung.disclosure import DisclosureRules
from auswertung.findings import FIXED_NOTE, WEIGHTING_NOTE, IndicatorTable, ResultRow
from fragebogen.model import Question, Questionnaire, QuestionType

from .publication import DOMAIN, district_counts, dominance_reason

if TYPE_CHECKING:
    from .analysis import FixedValues

#: Significance level of intervals and comparisons.
ALPHA = 0.05


@dataclass(frozen=True)
class IndicatorDef:
    """An indicator of a questionnaire: which column, which statistic."""

    key: str
    question: str
    group: str
    label: str
    statistic: str  # mean | share
    column: str
    codes: tuple[int, ...]
    missing: tuple[int, ...]
    scale: tuple[float, float]
    key_indicator: bool
    question_name: str
    short_label: str = ""


def indicators_of(questionnaire: Questionnaire) -> list[IndicatorDef]:
    """Likert means and top-2 shares, category shares, multiple-choice shares."""
    language = questionnaire.default_language
    result: list[IndicatorDef] = []
    for question in questionnaire.questions():
        title = question.label.get_text(language, language)
        if question.type is QuestionType.LIKERT:
            result.extend(
                _likert(question, question.name, title, title, "", language, short="")
            )
        elif question.type is QuestionType.LIKERT_MATRIX:
            for item in question.items:
                item_label = item.label.get_text(language, language)
                result.extend(
                    _likert(
                        question,
                        item.name,
                        f"{title} – {item_label}",
                        title,
                        f"{item_label}: ",
                        language,
                        short=_short_item(item_label),
                    )
                )
        elif question.type in (
            QuestionType.SINGLE_CHOICE,
            QuestionType.MULTIPLE_CHOICE,
        ):
            result.extend(_option_shares(question, title, language))
    return result


def _option_shares(question: Question, title: str, language: str) -> list[IndicatorDef]:
    """One share per substantive option: of the answer codes for single choice,
    of the 0/1 dummy column for multiple choice."""
    multiple = question.type is QuestionType.MULTIPLE_CHOICE
    shares = []
    for option in question.options:
        if option.missing:
            continue
        text = option.label.get_text(language, language)
        shares.append(
            IndicatorDef(
                key=f"{'mc' if multiple else 'share'}:{question.name}:{option.code}",
                question=title,
                group=title,
                label=f"Anteil „{text}“" + (" (Mehrfachnennung)" if multiple else ""),
                statistic="share",
                column=f"{question.name}_{option.code}" if multiple else question.name,
                codes=(1,) if multiple else (option.code,),
                missing=() if multiple else question.missing_codes,
                scale=(0.0, 1.0),
                key_indicator=False,
                question_name=question.name,
                short_label=text,
            )
        )
    return shares


def _likert(
    question: Question,
    column: str,
    title: str,
    group: str,
    prefix: str,
    language: str,
    *,
    short: str,
) -> list[IndicatorDef]:
    substantive = sorted(
        (o for o in question.options if not o.missing), key=lambda o: o.code
    )
    if len(substantive) < 2:
        return []
    low, high = substantive[0], substantive[-1]
    top = substantive[-2:]
    top_text = " oder ".join(f"„{o.label.get_text(language, language)}“" for o in top)
    return [
        IndicatorDef(
            key=f"mean:{column}",
            question=title,
            group=group,
            label=(
                f"{prefix}Mittelwert ({low.code} = "
                f"{low.label.get_text(language, language)} … {high.code} = "
                f"{high.label.get_text(language, language)})"
            ),
            statistic="mean",
            column=column,
            codes=(),
            missing=question.missing_codes,
            scale=(float(low.code), float(high.code)),
            key_indicator=True,
            question_name=question.name,
            short_label=f"{short}Mittelwert ({low.code}–{high.code})",
        ),
        IndicatorDef(
            key=f"top2:{column}",
            question=title,
            group=group,
            label=f"{prefix}Anteil {top_text}",
            statistic="share",
            column=column,
            codes=tuple(o.code for o in top),
            missing=question.missing_codes,
            scale=(0.0, 1.0),
            key_indicator=True,
            question_name=question.name,
            short_label=(
                f"{short}Anteil {' oder '.join(str(o.code) for o in top)} ({top_text})"
            ),
        ),
    ]


def _short_item(label: str) -> str:
    """``"Kultur (z. B. Bücherhalle)"`` → ``"Kultur: "``."""
    head = label.split("(")[0].strip().rstrip(":")
    return f"{head or label}: "


def indicator_table(
    design: Design | None,
    definition: IndicatorDef,
    districts: Sequence[tuple[str, str]],
    *,
    min_n: int,
    alpha: float = ALPHA,
    cv_limit: float = math.inf,
    fixed: FixedValues | None = None,
    rules: DisclosureRules | None = None,
) -> IndicatorTable:
    """Estimate an indicator for the city and every district and compare each
    district with the city (all numbers from ``auswertung``).

    Values whose coefficient of variation exceeds ``cv_limit`` are marked
    imprecise; ``fixed`` (see :func:`fixed_by_weighting`) turns the cells the
    weighting fixed into register values and leaves a weighting variable
    untested; ``rules`` adds the dominance rule (secondary suppression is
    :func:`~umfrage.berichte.publication.protect`)."""
    if design is None or definition.column not in design.data.columns:
        empty = tuple(
            ResultRow(
                code,
                name,
                0,
                math.nan,
                math.nan,
                math.nan,
                suppressed=True,
                reason="keine Antworten",
            )
            for code, name in districts
        )
        return IndicatorTable(
            key=definition.key,
            question=definition.question,
            label=definition.label,
            statistic="share" if definition.statistic == "share" else "mean",
            scale=definition.scale,
            city=ResultRow(
                None,
                "Stadt insgesamt",
                0,
                math.nan,
                math.nan,
                math.nan,
                suppressed=True,
                reason="keine Antworten",
            ),
            districts=empty,
            key_indicator=definition.key_indicator,
            group=definition.group,
            short_label=definition.short_label,
        )
    common: dict[str, Any] = {
        "by": DOMAIN,
        "missing": definition.missing,
        "alpha": alpha,
        "min_n": min_n,
    }
    estimate, comparison = estimate_and_compare(
        design,
        definition.column,
        codes=list(definition.codes) if definition.statistic == "share" else None,
        **common,
    )
    names = dict(districts)
    weight_totals, positives = district_counts(design, definition)
    # plain lists once instead of a pandas row lookup per cell (same values)
    records = [
        {
            "n": n,
            "suppressed": suppressed,
            "estimate": value,
            "se": se,
            "ci_lower": lower,
            "ci_upper": upper,
        }
        for n, suppressed, value, se, lower, upper in zip(
            estimate.n.tolist(),
            estimate.suppressed.tolist(),
            estimate.estimate.tolist(),
            estimate.se.tolist(),
            estimate.ci_lower.tolist(),
            estimate.ci_upper.tolist(),
            strict=True,
        )
    ]
    others = {
        str(code): {
            "difference": difference,
            "p_flag": p_flag,
            "p_flag_adjusted": p_adjusted,
            "flag": flag,
            "reason": reason,
        }
        for code, difference, p_flag, p_adjusted, flag, reason in zip(
            comparison.district,
            comparison.difference.tolist(),
            comparison.p_flag.tolist(),
            comparison.p_flag_adjusted.tolist(),
            comparison.flag.tolist(),
            comparison.reason,
            strict=True,
        )
    }

    def row(position: int, code: str | None) -> ResultRow:
        record = records[position]
        n = int(record["n"])
        suppressed = bool(record["suppressed"])
        reason = ""
        if suppressed:
            reason = "keine Antworten" if n == 0 else f"weniger als {min_n} Antworten"
        elif rules is not None and code is not None and code in others:
            why = dominance_reason(
                definition.statistic,
                n,
                positives.get(code, 0),
                str(others[code]["reason"]),
                rules,
            )
            if why:
                return ResultRow(
                    code=code,
                    name=names.get(code, code),
                    n=n,
                    estimate=math.nan,
                    ci_lower=math.nan,
                    ci_upper=math.nan,
                    suppressed=True,
                    reason=why,
                    weight_total=weight_totals.get(code, 0.0),
                )
        difference = math.nan
        p_value = math.nan
        p_adjusted = math.nan
        verdict: str | None = None
        note = ""
        if code is not None and not suppressed and code in others:
            other = others[code]
            difference = float(other["difference"])
            # the test the flag rests on (stricter than the plain t test)
            p_value = float(other["p_flag"])
            p_adjusted = float(other["p_flag_adjusted"])
            flag = int(other["flag"])
            if other["reason"]:
                verdict = "untested"
                note = NOT_TESTED_REASONS.get(str(other["reason"]), "")
            else:
                verdict = {1: "higher", -1: "lower"}.get(flag, "same")
        estimate_value = float(record["estimate"])
        se = float(record["se"])
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = se / abs(estimate_value) if estimate_value != 0 else math.nan
        name = "Stadt insgesamt" if code is None else names.get(code, code)
        if fixed is not None:
            register = fixed.city if code is None else fixed.districts.get(code)
            if register is not None:
                return ResultRow(
                    code=code,
                    name=name,
                    n=n,
                    estimate=register,
                    ci_lower=math.nan,
                    ci_upper=math.nan,
                    comparison=None if code is None else "weighting",
                    note=FIXED_NOTE,
                    fixed=True,
                )
            if code is not None and not suppressed:
                verdict, note = "weighting", WEIGHTING_NOTE
                difference = p_value = p_adjusted = math.nan
        return ResultRow(
            code=code,
            name=name,
            n=n,
            estimate=estimate_value,
            ci_lower=float(record["ci_lower"]),
            ci_upper=float(record["ci_upper"]),
            difference=difference,
            p_value=p_value,
            p_adjusted=p_adjusted,
            comparison=verdict,
            note=note,
            suppressed=suppressed,
            reason=reason,
            se=se,
            cv=cv,
            imprecise=bool(math.isfinite(cv) and cv > cv_limit),
            weight_total=weight_totals.get(code, 0.0) if code is not None else math.nan,
        )

    city = row(0, None)
    rows = tuple(
        row(position, str(code))
        for position, code in enumerate(estimate.district)
        if position > 0
    )
    return IndicatorTable(
        key=definition.key,
        question=definition.question,
        label=definition.label,
        statistic="share" if definition.statistic == "share" else "mean",
        scale=definition.scale,
        city=city,
        districts=rows,
        key_indicator=definition.key_indicator,
        group=definition.group,
        short_label=definition.short_label,
    )
