"""Small-area models in the analyst area, on both databases: choose covariates,
see the diagnostics, enable, find labelled model values in findings and PDFs."""

from __future__ import annotations

import html as html_module
import io
import re

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff
from umfrage.berichte import outputs, small_area, weighting
from umfrage.extensions import db
from umfrage.models import AuditLog, District, Response, SmallAreaSetup, Survey

KEY = "mean:zufriedenheit_kultur"
PAGE = f"/berichte/1/modell?indikator={KEY}"
SINGLE = "share:family_type:single_parent"


@pytest.fixture
def analyst(app: Flask, client: FlaskClient) -> FlaskClient:
    add_staff(app)
    add_demo(app, responses=500)  # enough districts with published values
    assert login(client, "auswertung", PASSWORD).status_code == 302
    return client


def _post(client: FlaskClient, url: str, data: dict[str, object]) -> object:
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _modelled(app: Flask) -> int:
    """Districts with population figures: those the model can estimate."""
    with app.app_context():
        survey = db.session.get(Survey, 1)
        return len(small_area.covariate_frame(survey, [SINGLE]).dropna())


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# Statistics and pages; the set-up's storage runs on both databases in the route
# matrix and the other tests here.
@pytest.mark.sqlite_only
def test_model_set_up_diagnostics_enable_and_show(
    app: Flask, analyst: FlaskClient
) -> None:
    html = analyst.get(PAGE).get_data(as_text=True)
    assert "Anteil single_parent an family_type" in html
    assert "Noch kein Modell gespeichert" in html
    resp = _post(analyst, PAGE, {"covariates": [SINGLE], "method": "reml"})
    assert resp.status_code == 302  # type: ignore[attr-defined]
    html = analyst.get(PAGE).get_data(as_text=True)
    text = _text(html)
    assert 'id="modell-koeffizienten"' in html
    assert "Achsenabschnitt" in text
    assert "Modellvarianz" in text
    assert "R²" in text
    assert "Shapiro–Wilk" in text
    assert "wird noch nicht verwendet" in text
    gain_rows = re.findall(
        r"<tr>\s*<td>\d{4}</td>", html.split('id="modell-gewinn"')[1]
    )
    modelled = _modelled(app)
    assert 90 < modelled <= 104
    assert len(gain_rows) == modelled
    # findings: not shown before the analyst enables the model
    findings = analyst.get(f"/berichte/1/ergebnisse?indikator={KEY}")
    assert 'id="model-table"' not in findings.get_data(as_text=True)
    resp = _post(analyst, f"/berichte/1/modell/verwenden?indikator={KEY}", {})
    assert resp.status_code == 302  # type: ignore[attr-defined]
    html = analyst.get(f"/berichte/1/ergebnisse?indikator={KEY}").get_data(as_text=True)
    model_part = html.split('id="modellschaetzung"')[1]
    direct_part = html.split('id="modellschaetzung"')[0]
    assert "Modellschätzung (Fay–Herriot)" in model_part
    assert "Fay–Herriot-Modell (REML" in model_part
    assert model_part.count("synthetisch (keine Antworten)") >= 1
    assert len(re.findall(r"<tr><td>\d{4}</td>", model_part)) == modelled
    # the direct table keeps its suppression; model values live apart
    assert "Modellschätzung" not in direct_part.split('id="findings-table"')[1]
    with app.app_context():
        setup = db.session.execute(db.select(SmallAreaSetup)).scalar_one()
        assert setup.enabled
        assert setup.covariates == [SINGLE]
        actions = [a.action for a in db.session.execute(db.select(AuditLog)).scalars()]
        assert "enable_small_area_model" in actions

    pdf = analyst.get("/berichte/1/bericht.pdf")
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    assert "Modellschätzungen (Fay–Herriot)" in text
    assert "Fay–Herriot-Modell (REML, MSE nach Prasad–Rao)" in " ".join(text.split())
    assert "synthetisch" in text

    with app.app_context():
        district_id = db.session.execute(
            db.select(District.id).where(District.code == "0101")
        ).scalar_one()
    profile = analyst.get(f"/berichte/1/profil/{district_id}.pdf")
    reader = PdfReader(io.BytesIO(profile.data))
    text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())
    assert "Modellschätzungen (Fay–Herriot)" in text
    assert "Modellschätzung, kein direkter Schätzwert" in text
    assert "synthetisch" in text

    # stop using it: findings and reports drop the model values
    resp = _post(analyst, f"/berichte/1/modell/beenden?indikator={KEY}", {})
    assert resp.status_code == 302  # type: ignore[attr-defined]
    html = analyst.get(f"/berichte/1/ergebnisse?indikator={KEY}").get_data(as_text=True)
    assert 'id="model-table"' not in html


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"method": "reml"}, "Bitte mindestens eine Kovariate wählen."),
        (
            {"covariates": ["share:erfunden:x"], "method": "reml"},
            "Die Kovariate „share:erfunden:x“ gibt es",
        ),
        (
            {"covariates": [SINGLE], "method": "fh"},
            'has-error">\n    <legend>Schätzung der Modellvarianz',
        ),
    ],
)
def test_bad_model_input_is_refused(
    app: Flask, analyst: FlaskClient, data: dict[str, object], message: str
) -> None:
    resp = _post(analyst, PAGE, data)
    assert resp.status_code == 400  # type: ignore[attr-defined]
    assert message in resp.get_data(as_text=True)  # type: ignore[attr-defined]
    with app.app_context():
        assert db.session.execute(db.select(SmallAreaSetup)).first() is None


@pytest.mark.sqlite_only
def test_model_that_cannot_be_fitted_cannot_be_enabled(
    app: Flask, analyst: FlaskClient
) -> None:
    # both shares of one variable are collinear with the intercept
    both = [SINGLE, "share:family_type:couple_family"]
    resp = _post(analyst, PAGE, {"covariates": both, "method": "ml"})
    assert resp.status_code == 302  # type: ignore[attr-defined]
    html = analyst.get(PAGE).get_data(as_text=True)
    assert 'id="modell-fehler"' in html
    assert "kollinear" in html
    resp = _post(analyst, f"/berichte/1/modell/verwenden?indikator={KEY}", {})
    assert resp.status_code == 400  # type: ignore[attr-defined]
    with app.app_context():
        assert not db.session.execute(db.select(SmallAreaSetup)).scalar_one().enabled


def test_routes_need_the_analyst_role(app: Flask, client: FlaskClient) -> None:
    add_staff(app)
    add_demo(app)
    assert client.get(PAGE).status_code == 302
    assert login(client, "gestaltung", PASSWORD).status_code == 302
    assert client.get(PAGE).status_code == 403
    analyst = app.test_client()
    assert login(analyst, "auswertung", PASSWORD).status_code == 302
    assert analyst.get(PAGE).status_code == 200
    assert (
        analyst.get("/berichte/1/modell?indikator=mean:gibt_es_nicht").status_code
        == 404
    )
    resp = analyst.post(f"/berichte/1/modell/verwenden?indikator={KEY}", data={})
    assert resp.status_code == 400


def _model_rows(client: FlaskClient) -> list[list[str]]:
    html = client.get(f"/berichte/1/ergebnisse?indikator={KEY}").get_data(as_text=True)
    table = html.split('id="model-table"')[1].split("</table>")[0]
    return [
        [
            html_module.unescape(_text(cell)).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    ]


@pytest.mark.sqlite_only
def test_suppressed_districts_answers_reach_no_model_value(
    app: Flask, analyst: FlaskClient
) -> None:
    """A district whose direct value is not published gets the synthetic
    estimate, and its answers change no model value at all (else its direct
    value could be recovered from EBLUP, gamma and the covariates)."""
    _post(analyst, PAGE, {"covariates": [SINGLE], "method": "reml"})
    _post(analyst, f"/berichte/1/modell/verwenden?indikator={KEY}", {})
    rows = {row[0]: row for row in _model_rows(analyst)}
    with app.app_context():
        survey = db.session.get(Survey, 1)
        definition = next(d for d in outputs.indicators(survey) if d.key == KEY)
        setup = small_area.setups(survey)[KEY]
        state = weighting.weighting_state(survey)
        direct = outputs.findings(state, [definition])[0]
        withheld = small_area.withheld_districts(direct)
        small = [r.code for r in direct.districts if 0 < r.n < 5]
        assert len(small) >= 3
        assert set(small) <= set(withheld)
        for code in small:
            assert rows[code][2] == "< 5"
            assert rows[code][5] == "synthetisch (direkter Wert nicht ausgewiesen)"
        first = small_area.fit_model(survey, state, definition, setup, direct)

        def change(codes: set[str]) -> None:
            for response in db.session.execute(db.select(Response)).scalars():
                old = response.answers.get("zufriedenheit_kultur")
                if old is not None and response.answers.get("sozialraum") in codes:
                    response.answers = {
                        **response.answers,
                        "zufriedenheit_kultur": 1 if int(old) > 3 else 5,
                    }
            db.session.commit()

        # the withheld districts' answers turned upside down: every model value,
        # MSE and gamma stays exactly as it was
        change(set(withheld))
        state = weighting.weighting_state(survey)
        second = small_area.fit_model(survey, state, definition, setup, direct)
        for field in ("estimate", "mse", "gamma"):
            np.testing.assert_array_equal(getattr(second, field), getattr(first, field))
        # the published districts' answers do count
        published = {r.code for r in direct.districts if not r.suppressed and r.n}
        change({sorted(published)[0]})
        state = weighting.weighting_state(survey)
        third = small_area.fit_model(survey, state, definition, setup, direct)
        assert not np.array_equal(third.estimate, first.estimate)
