"""Invitation codes cannot be linked to answers (issue 18, findings 1 and 2).

The attacker of finding 1 works only through the web UI: a designer makes one batch
per household, notes which code went to whom and watches the codes page, and an
analyst exports the answers after every return. The attacker of finding 2 reads a
PostgreSQL dump: transaction ids (``xmin``), physical positions (``ctid``) and row
order of the code and response tables after a field period.
"""

from __future__ import annotations

import csv
import io
import random
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import (
    PASSWORD,
    add_demo,
    add_staff,
    codes_file,
    page_answers,
    send_review,
)
from tests.umfrage.test_teilnahme_codes import enter
from umfrage.codes import normalise_code
from umfrage.extensions import db
from umfrage.models import (
    AccessMode,
    InvitationBatch,
    Response,
    SpentCode,
    Survey,
)
from umfrage.services import questionnaire_of

FLUSH = 4  # codes recorded together (SPENT_CODE_FLUSH_SIZE)
MIN_BATCH = 20  # batches below show no counts (INVITATION_COUNT_MIN_BATCH)


@pytest.fixture
def field(app: Flask) -> Flask:
    app.config.update(SPENT_CODE_FLUSH_SIZE=FLUSH, INVITATION_COUNT_MIN_BATCH=MIN_BATCH)
    add_staff(app)
    add_demo(app)
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        survey.access_mode = AccessMode.CODE
        db.session.commit()
    return app


def _survey_id(app: Flask) -> int:
    with app.app_context():
        return int(db.session.execute(sa.select(Survey.id)).scalar_one())


def _staff(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def _batch_of(designer: FlaskClient, survey_id: int, size: int) -> tuple[int, str]:
    """A new batch made through the codes page; its first code from the CSV."""
    url = f"/gestaltung/umfrage/{survey_id}/codes"
    token = csrf_token(designer.get(url).get_data(as_text=True))
    resp = designer.post(url, data={"count": str(size), "csrf_token": token})
    assert resp.status_code == 302
    batch_id = int(resp.headers["Location"].rsplit("#stapel-", 1)[1])
    listing = codes_file(designer, url, batch_id, "liste")
    assert listing.status_code == 200
    rows = list(
        csv.DictReader(io.StringIO(listing.data.decode("utf-8-sig")), delimiter=";")
    )
    assert len(rows) == size
    return batch_id, normalise_code(rows[0]["code"])


def _counts_seen(designer: FlaskClient, survey_id: int) -> dict[int, str]:
    """What the designer sees per batch in the "abgeschickt" column."""
    html = designer.get(f"/gestaltung/umfrage/{survey_id}/codes").get_data(as_text=True)
    seen = {}
    for match in re.finditer(r'<tr id="stapel-(\d+)">(.*?)</tr>', html, re.S):
        cells = re.findall(r'<td class="num">(.*?)</td>', match.group(2), re.S)
        seen[int(match.group(1))] = re.sub(r"<[^>]+>", "", cells[1]).strip()
    return seen


def _export(analyst: FlaskClient, survey_id: int) -> list[str]:
    """The free-text answers of the export, in the export's row order."""
    resp = analyst.get(f"/berichte/{survey_id}/export?format=csv")
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
    return [row["wuensche"] for row in rows]


def _answer_all(app: Flask, client: FlaskClient, location: str, marker: str) -> None:
    with app.app_context():
        survey = db.session.execute(sa.select(Survey)).scalar_one()
        questionnaire = questionnaire_of(survey.questionnaire_version)
    while "/seite/" in location:
        page_no = int(location.split("?")[0].rsplit("/", 1)[1])
        page = questionnaire.pages[page_no - 1]
        data: dict[str, Any] = page_answers(page, "0104")
        if "wuensche" in data:
            data["wuensche"] = marker
        data["csrf_token"] = csrf_token(client.get(location).get_data(as_text=True))
        resp = client.post(location.split("?")[0], data=data)
        assert resp.status_code == 302
        location = resp.headers["Location"]
    resp = send_review(client, location)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/danke")


@pytest.mark.sqlite_only
def test_attacker_through_the_web_ui_links_no_better_than_chance(
    field: Flask,
) -> None:
    survey_id = _survey_id(field)
    designer = _staff(field, "gestaltung")
    analyst = _staff(field, "auswertung")
    # one batch per household: two tiny ones (1 code), six of 20 (one code used)
    households = {}
    for number, size in enumerate([1, 1, 20, 20, 20, 20, 20, 20]):
        households[f"Haushalt-{number}"] = _batch_of(designer, survey_id, size)
    order = list(households)
    random.Random(5).shuffle(order)

    seen = _counts_seen(designer, survey_id)
    exported = _export(analyst, survey_id)
    # the attacker's candidates: for each batch whose count moved, the rows that
    # arrived since the count last moved
    candidates: dict[int, set[str]] = {}
    arrived: set[str] = set()
    tiny = {households["Haushalt-0"][0], households["Haushalt-1"][0]}
    for marker in order:
        batch_id, code = households[marker]
        client = field.test_client()
        _answer_all(field, client, enter(client, code).headers["Location"], marker)
        now_seen = _counts_seen(designer, survey_id)
        now_exported = _export(analyst, survey_id)
        arrived |= set(now_exported) - set(exported)
        moved = {b for b in now_seen if now_seen[b] != seen[b]}
        if moved:
            # a count moves only together with at least FLUSH returns
            assert len(arrived) >= FLUSH
            for batch in moved:
                candidates[batch] = set(arrived)
            arrived = set()
        assert all(now_seen[b] == "–" for b in tiny)
        seen, exported = now_seen, now_exported

    # closing the survey records what is still pending, all at once
    token = csrf_token(designer.get(f"/gestaltung/umfrage/{survey_id}").get_data(True))
    designer.post(
        f"/gestaltung/umfrage/{survey_id}/status",
        data={"status": "schliessen", "csrf_token": token},
    )
    final = _counts_seen(designer, survey_id)
    moved = {b for b in final if final[b] != seen[b]}
    for batch in moved:
        candidates[batch] = set(arrived)
    assert all(final[b] == "–" for b in tiny)
    assert {final[households[h][0]] for h in order if households[h][0] not in tiny} == {
        "1"
    }
    # every household the attacker can place hides among at least FLUSH returns
    # (the tiny batches show nothing at all)
    for marker in order:
        batch_id = households[marker][0]
        if batch_id in tiny:
            assert batch_id not in candidates
            continue
        assert marker in candidates[batch_id]
        assert len(candidates[batch_id]) >= FLUSH
    # the export's order is not the order of arrival
    rows = _export(analyst, survey_id)
    assert sorted(rows) == sorted(order)
    assert rows not in (order, order[::-1])


def test_response_ids_are_random(
    field: Flask,
) -> None:
    survey_id = _survey_id(field)
    _designer = _staff(field, "gestaltung")
    codes = [_batch_of(_designer, survey_id, 1)[1] for _ in range(6)]
    for code in codes:
        client = field.test_client()
        enter(client, code)
    with field.app_context():
        ids = list(db.session.execute(sa.select(Response.id)).scalars())
    assert len(ids) == 6
    assert all(0 < i < 2**62 for i in ids)
    assert max(ids) > 2**40  # not a sequence: 62 random bits
    assert len(set(ids)) == 6


def test_small_batches_show_no_counts_and_withdrawal_tells_nothing(
    field: Flask,
) -> None:
    survey_id = _survey_id(field)
    designer = _staff(field, "gestaltung")
    batch_id, code = _batch_of(designer, survey_id, 1)
    client = field.test_client()
    _answer_all(field, client, enter(client, code).headers["Location"], "Haushalt")
    with field.app_context():
        db.session.execute(sa.update(SpentCode).values(pending=False))
        db.session.commit()
    assert _counts_seen(designer, survey_id)[batch_id] == "–"
    page = designer.get(f"/gestaltung/umfrage/{survey_id}/codes").get_data(True)
    token = csrf_token(page)
    resp = designer.post(
        f"/gestaltung/umfrage/{survey_id}/codes/{batch_id}/zurueckziehen",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert "gelten nicht mehr" in html
    assert _counts_seen(designer, survey_id)[batch_id] == "–"
    row = re.search(rf'<tr id="stapel-{batch_id}">(.*?)</tr>', html, re.S)
    assert row is not None
    assert "zurückgezogen" in row.group(1)
    with field.app_context():
        batch = db.session.get(InvitationBatch, batch_id)
        assert batch is not None
        assert batch.withdrawn
    # the monitoring page shows no count either
    monitor = designer.get(f"/gestaltung/umfrage/{survey_id}").get_data(True)
    assert "0 gültig" in monitor
    assert "abgeschickt" not in monitor


def _same_cookie_for(client: FlaskClient, host: str) -> None:
    """The browser's session cookie, also sent to a request with a forged Host."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value, domain=host)


def test_codes_never_travel_in_urls_and_links_ignore_the_host_header(
    field: Flask,
) -> None:
    field.config["PUBLIC_URL"] = "https://umfrage.example.de"
    survey_id = _survey_id(field)
    designer = _staff(field, "gestaltung")
    url = f"/gestaltung/umfrage/{survey_id}/codes"
    token = csrf_token(designer.get(url).get_data(as_text=True))
    _same_cookie_for(designer, "evil.example")
    resp = designer.post(
        url,
        data={"count": "2", "csrf_token": token},
        environ_overrides={"HTTP_HOST": "evil.example"},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    batch_id = int(resp.headers["Location"].rsplit("#stapel-", 1)[1])
    listing = codes_file(
        designer,
        url,
        batch_id,
        "liste",
        environ_overrides={"HTTP_HOST": "evil.example"},
    )
    rows = list(
        csv.DictReader(io.StringIO(listing.data.decode("utf-8-sig")), delimiter=";")
    )
    for row in rows:
        assert row["link"] == (
            f"https://umfrage.example.de/s/familienbefragung#code={row['code']}"
        )
    # the resume link of an open survey
    with field.app_context():
        survey = db.session.get(Survey, survey_id)
        assert survey is not None
        survey.access_mode = AccessMode.OPEN
        db.session.commit()
    client = field.test_client()
    location = enter(client, None).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    client.post(location, data={"csrf_token": csrf_token(page), "_aktion": "spaeter"})
    _same_cookie_for(client, "evil.example")
    later = client.get(
        "/s/familienbefragung/spaeter",
        environ_overrides={"HTTP_HOST": "evil.example"},
    ).get_data(as_text=True)
    assert "evil.example" not in later
    assert "https://umfrage.example.de/s/familienbefragung/fortsetzen#code=" in later


def _rows(connection: sa.Connection, sql: str) -> list[Any]:
    return list(connection.execute(sa.text(sql)).all())


def test_postgresql_dump_links_no_better_than_chance(
    field: Flask, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("xmin and ctid exist on PostgreSQL only")
    survey_id = _survey_id(field)
    designer = _staff(field, "gestaltung")
    codes = []
    for _ in range(3):
        url = f"/gestaltung/umfrage/{survey_id}/codes"
        token = csrf_token(designer.get(url).get_data(as_text=True))
        resp = designer.post(url, data={"count": "10", "csrf_token": token})
        batch_id = int(resp.headers["Location"].rsplit("#stapel-", 1)[1])
        listing = codes_file(designer, url, batch_id, "liste")
        codes += [
            normalise_code(row["code"])
            for row in csv.DictReader(
                io.StringIO(listing.data.decode("utf-8-sig")), delimiter=";"
            )
        ]
    # a field period: 14 households start in one order and submit in another,
    # with some others in between that never finish
    rng = random.Random(11)
    used = rng.sample(codes, 16)
    clients = {}
    for code in used:
        client = field.test_client()
        clients[code] = (client, enter(client, code).headers["Location"])
    finishing = used[:14]
    rng.shuffle(finishing)
    for number, code in enumerate(finishing):
        client, location = clients[code]
        _answer_all(field, client, location, f"Haushalt-{number}")
    from umfrage.cli import flush_codes_command

    result = field.test_cli_runner().invoke(flush_codes_command)
    assert result.exit_code == 0, result.output

    with field.app_context(), db.engine.connect() as connection:
        spent = _rows(
            connection,
            "select code_hash, xmin::text::bigint as x, ctid::text as c, pending "
            "from spent_code",
        )
        responses = _rows(
            connection,
            "select id, xmin::text::bigint as x, ctid::text as c, answers "
            "from response where status = 'complete'",
        )
        invitation_x = {
            row.x
            for row in _rows(
                connection, "select xmin::text::bigint as x from invitation_code"
            )
        }
    assert len(spent) == 14
    assert len(responses) == 14
    assert not any(row.pending for row in spent)
    # one transaction for all spent codes, shared with no response
    spent_x = {row.x for row in spent}
    assert len(spent_x) == 1
    assert not spent_x & {row.x for row in responses}
    # code rows never change after the batch was generated
    assert len(invitation_x) == 3
    assert not invitation_x & {row.x for row in responses}
    # physical and key order of the spent rows is not the order of submission
    from umfrage.codes import hash_code

    key = field.config["SECRET_KEY"]
    submitted = [hash_code(c, key, f"invitation:{survey_id}") for c in finishing]
    by_position = [
        row.code_hash
        for row in sorted(spent, key=lambda r: tuple(map(int, r.c[1:-1].split(","))))
    ]
    assert sorted(by_position) == sorted(submitted)
    assert by_position not in (submitted, submitted[::-1])
    # responses: random ids, nothing in common with the spent rows' order
    response_order = [
        row.answers["wuensche"] for row in sorted(responses, key=lambda r: r.id)
    ]
    arrival = [f"Haushalt-{n}" for n in range(14)]
    assert response_order not in (arrival, arrival[::-1])
