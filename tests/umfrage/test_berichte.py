"""The analyst area on both databases: response table, weighting set-up with
diagnostics, margins uploads, findings, PDFs and exports, console commands."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from pypdf import PdfReader

from auswertung.findings import format_estimate, value_text
from tests.conftest import csrf_token, login
from tests.pdf_layout import overlaps, text_lines
from tests.umfrage.helpers import PASSWORD, add_complete_response, add_demo, add_staff
from umfrage.berichte import outputs, services, weighting
from umfrage.cli import main
from umfrage.extensions import db
from umfrage.models import (
    AuditLog,
    District,
    Response,
    ResponseStatus,
    Survey,
    WeightingSetup,
)

MAPPING = "haushaltstyp -> family_type: 1,3 = couple_family; 2 = single_parent"
FREE_TEXT = "Mehr Kurse </para> <b>abends</b> & am Wochenende"


@pytest.fixture
def analyst(app: Flask, client: FlaskClient) -> FlaskClient:
    add_staff(app)
    add_demo(app, responses=160)
    add_complete_response(
        app,
        {
            "einwilligung": True,
            "kinder_anzahl": 2,
            "haushaltstyp": 2,
            "sozialraum": "0201",
            "angebote": [3, 5],
            "zufriedenheit_kultur": 5,
            "sprachen_zuhause": [1, 7],
            "sprachen_zuhause_other": "=1+2",
            "wuensche": FREE_TEXT,
        },
        "0201",
    )
    assert login(client, "auswertung", PASSWORD).status_code == 302
    return client


def _post(client: FlaskClient, url: str, data: dict[str, object], page: str) -> object:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _setup_form(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "method": "poststratify",
        "source": "layer",
        "mappings": MAPPING,
        "cross_with_district": "y",
        "lower_bound": "",
        "upper_bound": "",
        "min_cell_size": "1",
        "collapse": "",
    }
    data.update(extra)
    return data


def _weighted(client: FlaskClient) -> None:
    """Set up post-stratification, take the collapse suggestion, confirm."""
    page = "/berichte/1/gewichtung"
    resp = _post(client, page, _setup_form(), page)
    assert resp.status_code == 302  # type: ignore[attr-defined]
    html = client.get(page).get_data(as_text=True)
    if "Vorschlag übernehmen" in html:
        resp = _post(client, "/berichte/1/gewichtung/zusammenlegen", {}, page)
        assert resp.status_code == 302  # type: ignore[attr-defined]
    html = client.get(page).get_data(as_text=True)
    assert 'id="diagnose-ok"' in html, re.sub(r"\s+", " ", html)[-3000:]
    resp = _post(client, "/berichte/1/gewichtung/bestaetigen", {}, page)
    assert resp.status_code == 302  # type: ignore[attr-defined]


def test_response_frame_has_one_row_per_complete_response(
    app: Flask, analyst: FlaskClient
) -> None:
    with app.app_context():
        survey = db.session.get(Survey, 1)
        complete = db.session.execute(
            db.select(db.func.count(Response.id)).where(
                Response.status == ResponseStatus.COMPLETE
            )
        ).scalar_one()
        data = services.response_frame(survey)
        frame = data.frame
        assert len(frame) == complete
        # rows come in random order (random response ids): find it by content
        matches = frame[frame["wuensche"] == FREE_TEXT]
        assert len(matches) == 1
        last = matches.iloc[0]
        assert last["district"] == "0201"
        assert last["district_name"] == "Altona-Altstadt"
        assert (last["angebote_3"], last["angebote_5"], last["angebote_1"]) == (
            1.0,
            1.0,
            0.0,
        )
        assert last["wuensche"] == FREE_TEXT
        assert set(frame["angebote_1"].dropna().unique()) <= {0.0, 1.0}
        assert [d.code for d in data.districts] == sorted(
            d.code for d in data.districts
        )
        assert len(data.districts) == 104


def test_weighting_set_up_shows_diagnostics_before_use(
    app: Flask, analyst: FlaskClient
) -> None:
    page = "/berichte/1/gewichtung"
    resp = _post(analyst, page, _setup_form(min_cell_size="5"), page)
    assert resp.status_code == 302
    html = analyst.get(page).get_data(as_text=True)
    # cells too small for weighting: error with a collapse suggestion, not usable
    assert 'id="collapse-suggestion"' in html
    assert "Vorschlag übernehmen" in html
    assert 'id="confirm-weighting"' not in html
    resp = _post(analyst, "/berichte/1/gewichtung/bestaetigen", {}, page)
    assert resp.status_code == 400
    resp = _post(analyst, "/berichte/1/gewichtung/zusammenlegen", {}, page)
    assert resp.status_code == 302
    html = analyst.get(page).get_data(as_text=True)
    assert 'id="diagnose-ok"' in html
    for marker in ("diagnose-konvergenz", "diagnose-deff", "diagnose-neff"):
        assert f'id="{marker}"' in html
    assert "Verteilung der Gewichte" in html
    with app.app_context():
        setup = db.session.execute(db.select(WeightingSetup)).scalar_one()
        assert setup.collapse["district"]
        assert not setup.confirmed
    # findings stay unweighted until confirmed
    assert "noch nicht bestätigt" in analyst.get("/berichte/1/ergebnisse").get_data(
        as_text=True
    )
    resp = _post(analyst, "/berichte/1/gewichtung/bestaetigen", {}, page)
    assert resp.status_code == 302
    html = analyst.get("/berichte/1/ergebnisse").get_data(as_text=True)
    assert "Ergebnisse sind gewichtet" in html
    with app.app_context():
        actions = {a.action for a in db.session.execute(db.select(AuditLog)).scalars()}
        assert {"save_weighting", "confirm_weighting"} <= actions


def test_bad_set_up_is_refused_and_changes_nothing(
    app: Flask, analyst: FlaskClient
) -> None:
    page = "/berichte/1/gewichtung"
    bad = {
        "mappings": "haushaltstyp -> family_type: 1,4 = couple_family",
        "lower_bound": "0,5",
        "upper_bound": "abc",
    }
    resp = _post(analyst, page, _setup_form(**bad), page)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Zeile 1: den Code „4“ gibt es bei „haushaltstyp“ nicht" in html
    assert "„abc“ ist keine Zahl" in html
    assert "Es wurde nichts geändert" in html
    resp = _post(
        analyst,
        page,
        _setup_form(mappings="haushaltstyp -> family_type: 1 = alleinerziehend"),
        page,
    )
    assert resp.status_code == 400
    assert (
        "die Stufe „alleinerziehend“ gibt es bei „family_type“ nicht"
        in resp.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.execute(db.select(WeightingSetup)).first() is None


def _upload(client: FlaskClient, content: bytes) -> object:
    page = "/berichte/1/gewichtung"
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(
        "/berichte/1/gewichtung/randverteilungen",
        data={"csrf_token": token, "file": (io.BytesIO(content), "margins.csv")},
        content_type="multipart/form-data",
    )


def _layer_margins(app: Flask) -> str:
    with app.app_context():
        survey = db.session.get(Survey, 1)
        population = services.population_table(survey)
    lines = ["variable,level,population_total"]
    for code, level, count in zip(
        population["district"], population["level"], population["count"], strict=True
    ):
        lines.append(f"district:family_type,{code}:{level},{count}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "variable,level,population_total\ndistrict,9999,100\n",
            "Zeile 2, Spalte level: die Stufe „9999“ gibt es bei „district“ nicht",
        ),
        (
            "variable,level,population_total\ndistrict,0101,viele\n",
            "Zeile 2, Spalte population_total: „viele“ ist keine nicht-negative Zahl",
        ),
        (
            "variable,stufe,anzahl\ndistrict,0101,100\n",
            "Zeile 1: die Spalten müssen genau variable, level, "
            "population_total heißen",
        ),
        (
            "variable,level,population_total\nalter,0101,5\n",
            "Zeile 2, Spalte variable: „alter“ ist unbekannt",
        ),
        (
            "variable,level,population_total\ndistrict,0101,5\ndistrict,0101,6\n",
            "Zeile 3: „district“ = „0101“ steht doppelt in der Datei",
        ),
    ],
)
def test_bad_margins_upload_names_what_and_where(
    app: Flask, analyst: FlaskClient, content: str, message: str
) -> None:
    resp = _upload(analyst, content.encode())
    assert resp.status_code == 400  # type: ignore[attr-defined]
    html = resp.get_data(as_text=True)  # type: ignore[attr-defined]
    assert message in html
    with app.app_context():
        assert db.session.execute(db.select(WeightingSetup)).first() is None


def test_good_margins_upload_is_used_for_raking(
    app: Flask, analyst: FlaskClient
) -> None:
    resp = _upload(analyst, _layer_margins(app).encode("utf-8-sig"))
    assert resp.status_code == 302  # type: ignore[attr-defined]
    with app.app_context():
        setup = db.session.execute(db.select(WeightingSetup)).scalar_one()
        assert setup.source == "upload"
        assert len(setup.margins) > 150
    page = "/berichte/1/gewichtung"
    resp = _post(
        analyst,
        page,
        _setup_form(method="rake", source="upload", lower_bound="0,2", upper_bound="5"),
        page,
    )
    assert resp.status_code == 302
    html = analyst.get(page).get_data(as_text=True)
    assert "Hochgeladen: margins.csv" in html
    assert "Grenzen" in html or "Vorschlag übernehmen" in html


def test_posts_need_csrf_tokens(analyst: FlaskClient) -> None:
    for url in (
        "/berichte/1/gewichtung",
        "/berichte/1/gewichtung/randverteilungen",
        "/berichte/1/gewichtung/zusammenlegen",
        "/berichte/1/gewichtung/bestaetigen",
    ):
        assert analyst.post(url, data=_setup_form()).status_code == 400, url


def test_posts_need_the_analyst_role(app: Flask, client: FlaskClient) -> None:
    add_staff(app)
    add_demo(app)
    token = csrf_token(client.get("/anmelden").get_data(as_text=True))
    for url in ("/berichte/1/gewichtung", "/berichte/1/gewichtung/bestaetigen"):
        resp = client.post(url, data={"csrf_token": token})
        assert resp.status_code == 302
        assert resp.headers["Location"].startswith("/anmelden")
    login(client, "gestaltung", PASSWORD)
    page = client.get("/gestaltung/").get_data(as_text=True)
    token = csrf_token(page)
    resp = client.post(
        "/berichte/1/gewichtung", data={**_setup_form(), "csrf_token": token}
    )
    assert resp.status_code == 403


def test_findings_view_lists_districts_in_code_order(analyst: FlaskClient) -> None:
    url = "/berichte/1/ergebnisse?indikator=top2:zufriedenheit_kultur"
    resp = analyst.get(url)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    table = html[html.index('id="findings-table"') :]
    codes = re.findall(r"<tr[^>]*>\s*<td>(\d{4})</td>", table)
    assert len(codes) == 104
    assert codes == sorted(codes)
    assert "weniger als 5 Antworten" in table
    assert '<svg class="ci-chart"' in html
    assert '<svg class="choropleth"' in html
    assert (
        analyst.get("/berichte/1/ergebnisse?indikator=gibt-es-nicht").status_code == 404
    )
    # numbers in the interface language: German as published, English in English
    city = re.compile(r'<p id="city-value">.*?</p>', re.S)
    german = city.search(html)
    assert german is not None
    assert re.search(r"\d,\d %", german.group())
    _post(analyst, "/sprache", {"language": "en"}, "/berichte/")
    english = city.search(analyst.get(url).get_data(as_text=True))
    assert english is not None
    assert re.search(r"\d\.\d%", english.group()), english.group()
    assert not re.search(r"\d,\d", english.group()), english.group()


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(p.extract_text() or "" for p in reader.pages)


@pytest.mark.sqlite_only
def test_city_report_pdf_matches_the_estimates(
    app: Flask, analyst: FlaskClient
) -> None:
    _weighted(analyst)
    resp = analyst.get("/berichte/1/bericht.pdf")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    pages, text = _pdf_text(resp.data)
    with app.app_context():
        survey = db.session.get(Survey, 1)
        state = weighting.weighting_state(survey)
        assert state.weighted.weighted
        tables = outputs.findings(state, outputs.indicators(survey))
    key_pages = sum(1 for t in tables if t.key_indicator)
    assert 2 + key_pages < pages <= 25
    assert f"Seite {pages} von {pages}" in text
    assert "Raking" not in text.split("Gewichtung")[1][:40]
    assert "Nachschichtung" in text
    # the layer's area term with its plural, never "Stadtteile" built as term + "e"
    assert "Ergebnisbericht für die Stadt und ihre Stadtteile" in text
    assert "Sozialraume" not in text
    # overview and titles name a matrix item once ("… – Kultur: Mittelwert")
    flat = " ".join(text.split())
    assert "Theater) – Kultur" not in flat
    assert "Kultur (z. B. Bücherhalle, Musikschule, Theater): Mittelwert" in flat
    for district in state.data.districts:
        assert district.name in text, district.name  # the key of codes
    appendix = text[text.index("Tabellenanhang\nAlle Merkmale") :]
    for table in tables[:6]:
        for row in table.districts:
            head = f"{row.name} ({row.code})\n"
            if not row.suppressed:
                assert head in appendix, (table.key, row)
                assert value_text(row, table.statistic) in appendix
            if 0 < row.n < 5:
                assert f"{head}{row.n}\n" not in text
        assert "," in format_estimate(table.city.estimate, table.statistic)
    # free texts never reach a PDF
    assert "abends" not in text
    assert "Wochenende" not in text
    assert "=1+2" not in text
    # no text on top of other text; every map labelled; legends end at 100 %
    lines = text_lines(resp.data)
    assert overlaps(lines) == []
    codes = {d.code for d in state.data.districts} | {
        d.name for d in state.data.districts
    }
    map_pages = [page for page in lines if any("Farbe zeigt" in x.text for x in page)]
    assert len(map_pages) == key_pages + 1
    for page in map_pages:
        assert len(codes & {x.text for x in page}) >= 80
    for number in re.findall(r"bis (?:unter )?(\d+) %", text):
        assert int(number) <= 100


def test_analyst_chooses_the_key_indicators(app: Flask, analyst: FlaskClient) -> None:
    page = "/berichte/1/"
    html = analyst.get(page).get_data(as_text=True)
    assert 'id="kernindikatoren"' in html
    chosen = ["mc:angebote:3", "mean:zufriedenheit_kultur"]  # questionnaire order
    token = csrf_token(html)
    resp = analyst.post(
        "/berichte/1/kernindikatoren",
        data={"csrf_token": token, "indikatoren": ["mc:angebote:9999"]},
    )
    assert resp.status_code == 400
    assert "mc:angebote:9999" in resp.get_data(as_text=True)
    resp = analyst.post(
        "/berichte/1/kernindikatoren", data={"csrf_token": token, "indikatoren": chosen}
    )
    assert resp.status_code == 302
    with app.app_context():
        entry = db.session.execute(
            db.select(AuditLog).where(AuditLog.action == "choose_key_indicators")
        ).scalar_one()
        assert entry.details["after"] == chosen
    reader = PdfReader(io.BytesIO(analyst.get("/berichte/1/bericht.pdf").data))
    titles = [item.title for item in reader.outline]
    assert len(titles) == 3  # two key indicators and the appendix
    assert titles[-1] == "Tabellenanhang"
    html = analyst.get(page).get_data(as_text=True)
    assert html.count("checked") == 2


def test_district_profiles(app: Flask, analyst: FlaskClient) -> None:
    with app.app_context():
        district_id = db.session.execute(
            db.select(District.id).where(District.code == "0201")
        ).scalar_one()
    resp = analyst.get(f"/berichte/1/profil/{district_id}.pdf")
    assert resp.status_code == 200
    pages, text = _pdf_text(resp.data)
    assert pages == 1
    assert "Stadtteil-Profil: Altona-Altstadt" in text
    assert "abends" not in text
    resp = analyst.get("/berichte/1/profile.pdf")
    reader = PdfReader(io.BytesIO(resp.data))
    titles = [item.title for item in reader.outline]
    assert len(titles) == 104
    assert titles[0].endswith("(0101)")


def test_sav_export_has_labels_and_weights(
    app: Flask, analyst: FlaskClient, tmp_path: Path
) -> None:
    _weighted(analyst)
    resp = analyst.get("/berichte/1/export?format=sav")
    assert resp.status_code == 200
    path = tmp_path / "daten.sav"
    path.write_bytes(resp.data)
    data, meta = pyreadstat.read_sav(str(path))
    assert meta.column_names_to_labels["weight"] == "Gewicht"
    assert meta.column_names_to_labels["haushaltstyp"].startswith("Welche Familienform")
    assert meta.variable_value_labels["haushaltstyp"][2.0] == "Alleinerziehend"
    weights = data["weight"].dropna()
    assert len(weights) > 0.9 * len(data)
    assert weights.min() > 0
    with app.app_context():
        population = services.population_table(db.session.get(Survey, 1))
    # post-stratified weights add up to the population of the weighted cells
    assert weights.sum() == pytest.approx(population["count"].sum(), rel=0.2)
    assert len(data) == len(set(data["case_id"]))


def test_other_exports(analyst: FlaskClient) -> None:
    resp = analyst.get("/berichte/1/export?format=csv-excel")
    assert resp.status_code == 200
    assert resp.data.startswith("\ufeff".encode())
    text = resp.data.decode("utf-8-sig")
    assert "'=1+2" in text  # neutralised
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    for kind in ("csv", "xlsx", "dta", "codebook"):
        assert analyst.get(f"/berichte/1/export?format={kind}").status_code == 200
    assert analyst.get("/berichte/1/export?format=exe").status_code == 404
    findings = analyst.get("/berichte/1/ergebnistabelle?format=csv")
    table = pd.read_csv(io.BytesIO(findings.data), dtype=str, keep_default_na=False)
    assert "." in set(table["Schätzwert"])
    assert analyst.get("/berichte/1/ergebnistabelle?format=xlsx").status_code == 200
    # the same export as a job (immediate mode in tests), then downloaded
    token = csrf_token(analyst.get("/berichte/1/").get_data(as_text=True))
    queued = analyst.post(
        "/berichte/1/auftrag",
        data={"csrf_token": token, "output": "export", "format": "csv-excel"},
    )
    assert queued.status_code == 302
    job_page = analyst.get(queued.headers["Location"]).get_data(as_text=True)
    assert "familienbefragung-antworten-excel.csv" in job_page
    got = analyst.post(
        queued.headers["Location"] + "/datei", data={"csrf_token": token}
    )
    assert got.data == resp.data
    bad = {"csrf_token": token, "output": "export", "format": "exe"}
    assert analyst.post("/berichte/1/auftrag", data=bad).status_code == 400


def test_large_survey_offers_every_report_and_export_as_a_job(
    app: Flask, analyst: FlaskClient
) -> None:
    """Above DIRECT_DOWNLOAD_MAX_RESPONSES nothing is made inside a request: the
    survey page offers each file as a job, and a direct address sends the analyst
    back there with a message (issue 13)."""
    small = analyst.get("/berichte/1/").get_data(as_text=True)
    assert 'href="/berichte/1/bericht.pdf"' in small
    assert 'id="as-jobs"' not in small
    app.config["DIRECT_DOWNLOAD_MAX_RESPONSES"] = 100  # the demo here has 160
    page = analyst.get("/berichte/1/").get_data(as_text=True)
    assert 'id="as-jobs"' in page
    for direct in ("bericht.pdf", "profile.pdf", "export?format=", "ergebnistabelle?"):
        assert f'href="/berichte/1/{direct}' not in page, direct
    offered = set(
        re.findall(
            r'name="output" value="([a-z]+)"><input type="hidden" name="format" '
            r'value="([a-z-]+)"',
            page,
        )
    )
    assert {("bericht", "pdf"), ("profile", "pdf"), ("ergebnistabelle", "xlsx")} <= (
        offered
    )
    assert {f for o, f in offered if o == "export"} == {
        "csv", "csv-excel", "xlsx", "sav", "dta", "codebook"
    }  # fmt: skip
    for url in (
        "/berichte/1/bericht.pdf",
        "/berichte/1/profile.pdf",
        "/berichte/1/export?format=xlsx",
        "/berichte/1/ergebnistabelle?format=csv",
    ):
        resp = analyst.get(url)
        assert resp.status_code == 302, url
        assert resp.headers["Location"].endswith("/berichte/1/#dateien"), url
    shown = analyst.get("/berichte/1/").get_data(as_text=True)
    assert "mehr als 100 vollständige Antworten" in shown
    # the offered job makes the city report
    token = csrf_token(shown)
    queued = analyst.post(
        "/berichte/1/auftrag",
        data={"csrf_token": token, "output": "bericht", "format": "pdf"},
    )
    assert queued.status_code == 302
    job_page = analyst.get(queued.headers["Location"]).get_data(as_text=True)
    assert 'href="/berichte/1/#dateien"' in job_page  # back to the survey's files
    got = analyst.post(
        queued.headers["Location"] + "/datei", data={"csrf_token": token}
    )
    assert got.status_code == 200
    assert got.data.startswith(b"%PDF")


class _Runner:
    """The ``umfrage`` console group on the test app."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def invoke(self, args: list[str]) -> Result:
        return CliRunner().invoke(
            main, args, obj=ScriptInfo(create_app=lambda: self.app)
        )


def test_console_report_and_export(
    app: Flask, analyst: FlaskClient, tmp_path: Path
) -> None:
    runner = _Runner(app)
    out = tmp_path / "bericht.pdf"
    result = runner.invoke(
        args=["report", "--survey", "familienbefragung", "--pdf", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert PdfReader(str(out)).pages
    result = runner.invoke(
        args=["report", "--survey", "1", "--pdf", str(out), "--district", "0201"]
    )
    assert result.exit_code == 0, result.output
    assert "Altona-Altstadt" in (PdfReader(str(out)).pages[0].extract_text() or "")
    result = runner.invoke(
        args=["report", "--survey", "1", "--pdf", str(out), "--district", "nix"]
    )
    assert result.exit_code == 2
    sav = tmp_path / "daten.sav"
    result = runner.invoke(
        args=["export", "--survey", "1", "--format", "sav", "--out", str(sav)]
    )
    assert result.exit_code == 0, result.output
    _data, meta = pyreadstat.read_sav(str(sav), metadataonly=True)
    assert "weight" in meta.column_names
    result = runner.invoke(
        args=["export", "--survey", "keine", "--format", "csv", "--out", str(sav)]
    )
    assert result.exit_code == 2
