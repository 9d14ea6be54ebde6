"""Model estimates (Fay–Herriot) in the PDF reports, always labelled as such.

:func:`model_table` turns a fitted :class:`~auswertung.small_area.FayHerriot` and
the direct :class:`~auswertung.findings.IndicatorTable` of the same indicator into a
:class:`ModelTable`; :func:`city_section` and :func:`profile_section` give the
flowables :mod:`auswertung.pdf` adds to the city report and the district
profiles. Model values stand in their own tables under the heading
"Modellschätzung", never in the columns of the direct estimates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import (  # type: ignore[import-untyped, unused-ignore]
    CondPageBreak,
    Flowable,
    PageBreak,
    Spacer,
    Table,
)

from auswertung.findings import (
    IndicatorTable,
    format_ci,
    format_estimate,
    format_number,
    n_text,
)
from auswertung.pdf_document import _Bookmark
from auswertung.pdf_style import FONT, _p, _table_style
from auswertung.small_area import FayHerriot

__all__ = [
    "KIND_LABELS",
    "ModelRow",
    "ModelTable",
    "city_section",
    "method_text",
    "model_table",
    "profile_section",
]

#: How the kinds of model value are named in reports.
KIND_LABELS = {"eblup": "EBLUP", "synthetic": "synthetisch"}
_METHODS = {"reml": "REML, MSE nach Prasad–Rao", "ml": "ML, MSE nach Datta–Lahiri"}


@dataclass(frozen=True)
class ModelRow:
    """The model value of one district."""

    code: str
    name: str
    n: int
    estimate: float
    ci_lower: float
    ci_upper: float
    kind: str
    gamma: float
    direct_suppressed: bool
    n_shown: str = ""  # the published n, as the direct table prints it

    @property
    def kind_text(self) -> str:
        """The kind as reports name it (German)."""
        if self.kind != "synthetic":
            return KIND_LABELS.get(self.kind, self.kind)
        if self.n > 0:
            return "synthetisch (direkter Wert nicht ausgewiesen)"
        return "synthetisch (keine Antworten)"


@dataclass(frozen=True)
class ModelTable:
    """Model estimates of one indicator for every district."""

    key: str
    question: str
    label: str
    statistic: str
    method: str
    covariates: tuple[str, ...]
    rows: tuple[ModelRow, ...]

    def row_of(self, code: str) -> ModelRow | None:
        """The row of district ``code``, ``None`` if the model has none."""
        return next((r for r in self.rows if r.code == code), None)


def method_text(method: str, covariates: Sequence[str], alpha: float = 0.05) -> str:
    """The method as reports state it."""
    confidence = format_number(100 * (1 - alpha), 0)
    return (
        f"Fay–Herriot-Modell ({_METHODS.get(method, method)}) mit den Kovariaten "
        f"{', '.join(covariates)} aus der Bevölkerungsstatistik; {confidence}-%-"
        "Intervall: Modellschätzung ± 1,96 · √MSE. Sozialräume ohne Antworten "
        "oder ohne ausgewiesenen direkten Wert erhalten die synthetische Schätzung "
        "aus den Kovariaten; ihre Antworten gehen nicht in das Modell ein."
    )


def model_table(
    fit: FayHerriot,
    direct: IndicatorTable,
    names: Mapping[str, str],
    covariates: Sequence[str],
    min_n: int,
) -> ModelTable:
    """Combine a fitted model with the direct table of the same indicator; n is
    published as the direct table publishes it (``"< 5"``, ``"."``)."""
    rows = []
    for position, code in enumerate(fit.area):
        direct_row = direct.row_of(str(code))
        rows.append(
            ModelRow(
                code=str(code),
                name=names.get(str(code), str(code)),
                n=0 if direct_row is None else direct_row.n,
                estimate=float(fit.estimate[position]),
                ci_lower=float(fit.ci_lower[position]),
                ci_upper=float(fit.ci_upper[position]),
                kind=fit.kind[position],
                gamma=float(fit.gamma[position]),
                direct_suppressed=direct_row is None or direct_row.suppressed,
                n_shown="0" if direct_row is None else n_text(direct_row, min_n),
            )
        )
    return ModelTable(
        key=direct.key,
        question=direct.question,
        label=direct.label,
        statistic=direct.statistic,
        method=method_text(fit.method, covariates, fit.alpha),
        covariates=tuple(covariates),
        rows=tuple(rows),
    )


def _value(row: ModelRow, statistic: str) -> tuple[str, str]:
    if not math.isfinite(row.estimate):
        return "–", "–"
    return (
        format_estimate(row.estimate, statistic),
        format_ci(row.ci_lower, row.ci_upper, statistic),
    )


def city_section(
    models: Sequence[ModelTable],
    styles: Mapping[str, ParagraphStyle],
    *,
    term: str,
    min_n: int,
    width: float,
    plural: str = "",
) -> list[Flowable]:
    """Pages with the model estimates of every enabled model; ``term`` and
    ``plural`` name the areas ("Stadtteil", "Stadtteile")."""
    if not models:
        return []
    story: list[Flowable] = [
        PageBreak(),
        _Bookmark("models", "Modellschätzungen"),
        _p("Modellschätzungen (Fay–Herriot)", styles["h1"]),
        _p(
            "Diese Werte sind Modellschätzungen, keine direkten Schätzwerte aus "
            f"den Antworten: Für alle {plural or term} wird der direkte Wert mit einer "
            "Vorhersage aus der Bevölkerungsstatistik kombiniert, je nach seiner "
            "Genauigkeit (EBLUP). Sie stehen deshalb getrennt von den direkten "
            f"Ergebnissen. {plural or term}, deren direkter Wert nicht ausgewiesen "
            "wird "
            f"(weniger als {min_n} Antworten oder zum Schutz anderer Werte), "
            "erhalten die synthetische Schätzung aus der Bevölkerungsstatistik: "
            "ihre Antworten gehen weder in das Modell noch in den Wert ein; ihr "
            "direkter Wert bleibt unterdrückt („.“).",
            styles["small"],
        ),
    ]
    for model in models:
        story.append(CondPageBreak(140))
        story.append(_p(f"{model.question} – {model.label}", styles["h2"]))
        story.append(_p(f"Methode: {model.method}", styles["small"]))
        story.append(Spacer(1, 3))
        header = [term, "n", "Modellschätzung", "95-%-Intervall (Modell)", "Art"]
        data: list[list[Any]] = [header]
        for row in model.rows:
            value, interval = _value(row, model.statistic)
            data.append(
                [
                    f"{row.name} ({row.code})",
                    row.n_shown,
                    value,
                    interval,
                    _p(row.kind_text, styles["tiny"]),
                ]
            )
        widths = [130, 26, 82, 100, width - 338]
        story.append(
            Table(
                data,
                colWidths=widths,
                repeatRows=1,
                style=_table_style(
                    [
                        ("FONT", (0, 1), (-1, -1), FONT, 7),
                        ("ALIGN", (4, 0), (4, -1), "LEFT"),
                        ("TOPPADDING", (0, 1), (-1, -1), 0.8),
                        ("BOTTOMPADDING", (0, 1), (-1, -1), 0.8),
                    ]
                ),
            )
        )
    return story


def profile_section(
    models: Sequence[ModelTable],
    code: str,
    styles: Mapping[str, ParagraphStyle],
    *,
    min_n: int,
    width: float,
) -> list[Flowable]:
    """The district's model estimates, in a table of their own."""
    rows = [(m, m.row_of(code)) for m in models]
    present = [(m, r) for m, r in rows if r is not None]
    if not present:
        return []
    header = ["Merkmal", "n", "Modellschätzung", "95-%-Intervall (Modell)", "Art"]
    data: list[list[Any]] = [header]
    for model, row in present:
        assert row is not None  # filtered above
        value, interval = _value(row, model.statistic)
        data.append(
            [
                _p(f"{model.question} – {model.label}", styles["cell"]),
                row.n_shown,
                value,
                interval,
                _p(row.kind_text, styles["tiny"]),
            ]
        )
    methods = sorted({m.method for m, _row in present})
    return [
        Spacer(1, 8),
        _p("Modellschätzungen (Fay–Herriot)", styles["h2"]),
        _p(
            "Modellschätzung, kein direkter Schätzwert: der Wert hier "
            "kombiniert die Antworten mit einer Vorhersage aus der "
            "Bevölkerungsstatistik. Ist der direkte Wert nicht ausgewiesen "
            f"(weniger als {min_n} Antworten oder zum Schutz anderer Werte), steht "
            "hier die synthetische Schätzung, in die die Antworten nicht eingehen. "
            "Methode: " + " ".join(methods),
            styles["tiny"],
        ),
        Spacer(1, 3),
        Table(
            data,
            colWidths=[width - 302, 26, 78, 100, 98],
            repeatRows=1,
            style=_table_style([("ALIGN", (4, 0), (4, -1), "LEFT")]),
        ),
    ]
