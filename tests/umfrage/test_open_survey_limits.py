"""Finding 10 (open surveys): a per-address hourly cap on new responses, and an
alert on the designer's monitoring page when far more responses start than usual."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import create_schema, csrf_token, login, make_app
from tests.umfrage.helpers import PASSWORD, add_demo, add_staff
from tests.umfrage.test_teilnahme import start_token
from umfrage.extensions import db, limiter
from umfrage.models import Response, local_today

SLUG = "familienbefragung"


@pytest.fixture
def capped(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(
        database_url,
        tmp_path,
        RATELIMIT_ENABLED=True,
        OPEN_RESPONSE_RATE_LIMIT="3 per hour",
    )
    create_schema(app)
    with app.app_context():
        limiter.reset()
    add_demo(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def start(app: Flask, address: str) -> tuple[FlaskClient, int]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    html = client.get(f"/s/{SLUG}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "start": start_token(html)}
    return client, client.post(f"/s/{SLUG}", data=data).status_code


def responses(app: Flask) -> int:
    with app.app_context():
        return int(
            db.session.execute(sa.select(sa.func.count(Response.id))).scalar_one()
        )


def test_one_address_starts_only_so_many_responses_per_hour(capped: Flask) -> None:
    codes = [start(capped, "203.0.113.5")[1] for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert responses(capped) == 3
    assert start(capped, "203.0.113.6")[1] == 302
    assert responses(capped) == 4


def set_started(app: Flask, per_day: dict[int, int]) -> None:
    """Spread the demo's responses over days (days ago → count)."""
    with app.app_context():
        rows = list(db.session.execute(sa.select(Response)).scalars())
        index = 0
        for days_ago, count in per_day.items():
            for response in rows[index : index + count]:
                response.started_on = local_today() - timedelta(days=days_ago)
                response.completed_on = None
            index += count
        for response in rows[index:]:
            db.session.delete(response)
        db.session.commit()


@pytest.mark.parametrize(
    ("per_day", "alert"),
    [
        ({4: 6, 3: 5, 2: 7, 1: 6, 0: 60}, True),
        ({4: 6, 3: 5, 2: 7, 1: 6, 0: 12}, False),
        ({1: 6, 0: 70}, False),  # too few usual days to judge
    ],
)
def test_monitoring_page_alerts_on_a_burst(
    app: Flask, per_day: dict[int, int], alert: bool
) -> None:
    add_staff(app)
    add_demo(app, responses=90)
    set_started(app, per_day)
    designer = app.test_client()
    assert login(designer, "gestaltung", PASSWORD).status_code == 302
    page = designer.get("/gestaltung/umfrage/1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert ('id="auffaellig"' in html) is alert
    if alert:
        assert "heute 60 begonnen, sonst etwa 6 pro Tag" in html
