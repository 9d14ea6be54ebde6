"""The analysis of a large survey as a job (issue 13): above
``ANALYSIS_REQUEST_MAX_RESPONSES`` no page reads or weights the responses. The
first page after a change queues one job and shows a progress page; once the
job has stored the state, every process serves pages from it without computing;
after new responses the pages show the last state, marked with its time and
count, until the next job has run; a failed job says why and can be retried.

The queue is a SQLite file nobody consumes, so each job runs when the test says
(``runner.execute``), as a worker would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, update

from tests.conftest import csrf_token, login
from tests.umfrage.helpers import (
    PASSWORD,
    add_complete_response,
    add_demo,
    add_staff,
)
from umfrage.auftraege import queue, runner
from umfrage.berichte import analysis_jobs, cache, outputs, services, weighting
from umfrage.extensions import db
from umfrage.models import (
    LOCAL_TIMEZONE,
    AnalysisCacheEntry,
    Job,
    JobStatus,
    Survey,
    WeightingSetup,
    utc_now,
)

ANSWERS = {"einwilligung": True, "zufriedenheit_kultur": 1}
RESPONSES = 160  # the demo's synthetic responses (some incomplete)


@pytest.fixture
def large(app: Flask, client: FlaskClient, tmp_path: Any) -> Iterator[FlaskClient]:
    """An analyst's client; the demo survey counts as too large for a request;
    jobs wait on a queue nobody consumes; nothing is cached yet."""
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    add_staff(app)
    add_demo(app, responses=RESPONSES)
    with app.app_context():
        survey = db.session.get(Survey, 1)
        app.config["ANALYSIS_REQUEST_MAX_RESPONSES"] = (
            services.complete_count(survey) - 1
        )
        app.config["ANALYSIS_REFRESH_MIN_SECONDS"] = 0  # see test_refresh_interval…
        db.session.execute(delete(AnalysisCacheEntry))
        db.session.commit()
        cache.clear_memory()
    assert login(client, "auswertung", PASSWORD).status_code == 302
    yield client
    with app.app_context():
        queue.get_huey(app).storage.close()


def _jobs(app: Flask, kind: str = analysis_jobs.KIND) -> list[Job]:
    with app.app_context():
        jobs = list(
            db.session.execute(
                select(Job).where(Job.kind == kind).order_by(Job.id)
            ).scalars()
        )
        db.session.expunge_all()
        return jobs


def _run(app: Flask, job_id: int) -> None:
    """What a worker does with the queued job."""
    with app.app_context():
        runner.execute(job_id)
        db.session.remove()


def _complete(app: Flask) -> int:
    with app.app_context():
        return services.complete_count(db.session.get(Survey, 1))


def _complete_count(page: str) -> int:
    found = re.search(r'id="complete-count">([\d.]+)<', page)
    assert found, page[:3000]
    return int(found.group(1).replace(".", ""))


def test_large_survey_is_analysed_by_a_job_and_pages_serve_its_result(
    app: Flask, large: FlaskClient
) -> None:
    computed = cache.COMPUTED.copy()
    # the first page: nothing read or weighted in the request, one job queued
    pending = large.get("/berichte/1/ergebnisse")
    assert pending.status_code == 202
    text = pending.get_data(as_text=True)
    assert "Auswertung wird berechnet" in text
    assert 'id="analysis-progress"' in text
    assert "Wartet auf einen freien Arbeitsprozess" in text
    assert large.get("/berichte/1/").status_code == 202
    assert large.get("/berichte/1/gewichtung").status_code == 202
    assert computed == cache.COMPUTED
    jobs = _jobs(app)
    assert [j.status for j in jobs] == [JobStatus.QUEUED]  # one, not three
    status = large.get("/berichte/1/auswertung/stand").get_json()
    assert status["ready"] is False
    assert status["status"] == "queued"

    _run(app, jobs[0].id)
    (job,) = _jobs(app)
    assert job.status == JobStatus.DONE
    assert job.result_path is None  # nothing to download: the pages show it
    assert job.progress_done == job.progress_total > 1
    status = large.get("/berichte/1/auswertung/stand").get_json()
    assert status["ready"] is True
    assert status["percent"] == 100

    # another process (empty memory) serves every indicator from the table
    with app.app_context():
        cache.clear_memory()
        survey = db.session.get(Survey, 1)
        definitions = outputs.indicators(survey)
        stored = db.session.execute(
            select(func.count())
            .select_from(AnalysisCacheEntry)
            .where(AnalysisCacheEntry.kind == "findings")
        ).scalar_one()
        assert stored == len(definitions)
    computed = cache.COMPUTED.copy()
    for definition in definitions:
        page = large.get(
            "/berichte/1/ergebnisse", query_string={"indikator": definition.key}
        )
        assert page.status_code == 200, definition.key
        assert 'id="analysis-stale"' not in page.get_data(as_text=True)
    survey_page = large.get("/berichte/1/").get_data(as_text=True)
    assert _complete_count(survey_page) == _complete(app)
    assert computed == cache.COMPUTED

    # the stored tables are those computed directly, indicator by indicator
    with app.app_context():
        survey = db.session.get(Survey, 1)
        direct = weighting.weighting_state(survey, data=services.response_frame(survey))
        stored_state = weighting.weighting_state(survey, in_request=True)
        for definition in definitions:
            expected = outputs.findings(direct, [definition])
            got = outputs.findings(stored_state, [definition])
            assert repr(got) == repr(expected), definition.key  # NaN != NaN


def test_new_responses_show_the_last_state_marked_until_the_job_has_run(
    app: Flask, large: FlaskClient
) -> None:
    large.get("/berichte/1/ergebnisse")
    _run(app, _jobs(app)[0].id)
    before = large.get("/berichte/1/").get_data(as_text=True)
    complete = _complete(app)
    assert _complete_count(before) == complete

    add_complete_response(app, ANSWERS)
    computed = cache.COMPUTED.copy()
    page = large.get("/berichte/1/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # the page agrees with itself: the count it shows is the state's, and the
    # note says that it is an earlier state and how many responses it has
    assert _complete_count(text) == complete
    note = re.search(r'id="analysis-stale">([^<]*)<', text)
    assert note, text[:3000]
    assert "Angezeigt wird der Stand vom" in note.group(1)
    assert f"mit {complete} vollständigen Antworten" in note.group(1)
    assert "aktuelle Stand wird im Hintergrund berechnet" in note.group(1)
    findings = large.get("/berichte/1/ergebnisse")
    assert findings.status_code == 200
    assert 'id="analysis-stale"' in findings.get_data(as_text=True)
    assert cache.COMPUTED["frame"] == computed["frame"]  # nothing read
    jobs = _jobs(app)
    assert [j.status for j in jobs] == [JobStatus.DONE, JobStatus.QUEUED]
    status = large.get("/berichte/1/auswertung/stand").get_json()
    assert status["ready"] is False
    # showing the earlier state stored nothing over the newer one's place
    with app.app_context():
        keys = db.session.execute(
            select(func.count(func.distinct(AnalysisCacheEntry.state_key)))
        ).scalar_one()
        assert keys == 1

    _run(app, jobs[1].id)
    assert large.get("/berichte/1/auswertung/stand").get_json()["ready"] is True
    after = large.get("/berichte/1/").get_data(as_text=True)
    assert 'id="analysis-stale"' not in after
    assert _complete_count(after) == complete + 1


def test_refresh_interval_bounds_the_jobs_of_a_busy_field_phase(
    app: Flask, large: FlaskClient
) -> None:
    """New responses every minute: the analysis runs again at most every
    ``ANALYSIS_REFRESH_MIN_SECONDS``; meanwhile the pages say when the next
    state is computed, and once it is due a page (or its script) queues it."""
    app.config["ANALYSIS_REFRESH_MIN_SECONDS"] = 300
    large.get("/berichte/1/ergebnisse")
    _run(app, _jobs(app)[0].id)
    complete = _complete(app)
    add_complete_response(app, ANSWERS)
    text = large.get("/berichte/1/").get_data(as_text=True)
    note = re.search(r'id="analysis-stale">([^<]*)<', text)
    assert note, text[:3000]
    with app.app_context():
        (job,) = _jobs(app)
        finished = job.finished_at.replace(tzinfo=UTC)
    due = (finished + timedelta(seconds=300)).astimezone(LOCAL_TIMEZONE)
    assert f"mit {complete} vollständigen Antworten" in note.group(1)
    assert "höchstens alle 5 Minuten" in note.group(1)
    assert f"ab {due:%H:%M} Uhr im Hintergrund berechnet" in note.group(1)
    status = large.get("/berichte/1/auswertung/stand").get_json()
    assert status["ready"] is False
    assert [j.status for j in _jobs(app)] == [JobStatus.DONE]  # nothing queued

    # five minutes later: the page's script asks, and the job is queued
    with app.app_context():
        db.session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(finished_at=job.finished_at - timedelta(seconds=301))
        )
        db.session.commit()
    status = large.get("/berichte/1/auswertung/stand").get_json()
    assert status["status"] == "queued"
    assert [j.status for j in _jobs(app)] == [JobStatus.DONE, JobStatus.QUEUED]
    _run(app, _jobs(app)[-1].id)
    assert large.get("/berichte/1/auswertung/stand").get_json()["ready"] is True
    assert _complete_count(large.get("/berichte/1/").get_data(as_text=True)) == (
        complete + 1
    )


WEIGHTING_FORM = {
    "method": "poststratify",
    "source": "layer",
    "mappings": "haushaltstyp -> family_type: 1,3 = couple_family; 2 = single_parent",
    "cross_with_district": "y",
    "auto_collapse": "y",
    "lower_bound": "",
    "upper_bound": "",
    "min_cell_size": "5",
    "collapse": "",
}


def _setup(app: Flask) -> WeightingSetup:
    with app.app_context():
        setup = db.session.execute(select(WeightingSetup)).scalar_one()
        db.session.expunge(setup)
        return setup


def _draft_jobs(app: Flask) -> list[Job]:
    return _jobs(app, analysis_jobs.KIND_DRAFT)


def test_a_new_weighting_is_diagnosed_by_a_job_and_not_shown_as_the_old_one(
    app: Flask, large: FlaskClient
) -> None:
    """An edited set-up of a large survey is weighted by a job too (merging its
    small cells and diagnosing it); confirming waits for that diagnosis. The
    last state is shown only while the weighting in force is the same: after a
    new one is confirmed, the pages wait for its job."""
    large.get("/berichte/1/ergebnisse")
    _run(app, _jobs(app)[0].id)
    computed = cache.COMPUTED.copy()
    page = large.get("/berichte/1/gewichtung")  # no set-up yet: the one stored
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    saved = large.post(
        "/berichte/1/gewichtung", data={**WEIGHTING_FORM, "csrf_token": token}
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    # saved at once; the small cells are left to the job, nothing weighed here
    assert computed == cache.COMPUTED
    assert _setup(app).collapse == {}
    (draft,) = _draft_jobs(app)
    assert draft.status == JobStatus.QUEUED
    assert draft.params["merge"] is True

    # confirming before the diagnosis is refused, with a note; nothing changes
    early = large.post("/berichte/1/gewichtung/bestaetigen", data={"csrf_token": token})
    assert early.status_code == 302
    assert early.headers["Location"].endswith("/berichte/1/gewichtung")
    assert not _setup(app).confirmed
    waiting = large.get("/berichte/1/gewichtung")
    assert waiting.status_code == 202
    text = waiting.get_data(as_text=True)
    assert "Diagnose der Gewichtung wird berechnet" in text
    assert "wird noch im Hintergrund berechnet" in text  # the note
    assert "/auswertung/stand?entwurf=1" in text
    assert computed == cache.COMPUTED
    assert len(_draft_jobs(app)) == 1  # the waiting pages queued no second one
    status = large.get("/berichte/1/auswertung/stand?entwurf=1").get_json()
    assert status == {**status, "ready": False, "status": "queued"}
    with app.app_context():
        findings_before = db.session.execute(
            select(func.count())
            .select_from(AnalysisCacheEntry)
            .where(AnalysisCacheEntry.kind == "findings")
        ).scalar_one()

    _run(app, draft.id)
    assert large.get("/berichte/1/auswertung/stand?entwurf=1").get_json()["ready"]
    setup = _setup(app)
    assert setup.collapse  # the demo has too small cells: some were merged
    with app.app_context():
        # the merges are those a small survey's save makes in the request
        survey = db.session.get(Survey, 1)
        row = weighting.weighting_setup(survey)
        row.collapse = {}
        direct = weighting.weighting_state(
            survey, setup=row, draft=True, data=services.response_frame(survey)
        )
        assert setup.collapse == {
            k: dict(v) for k, v in direct.weighted.diagnosis.suggestion.items()
        }
        db.session.rollback()
        # stored beside the weighting in force, which stays served
        findings_after = db.session.execute(
            select(func.count())
            .select_from(AnalysisCacheEntry)
            .where(AnalysisCacheEntry.kind == "findings")
        ).scalar_one()
        assert findings_after == findings_before > 0
        cache.clear_memory()  # another process: from the table
    computed = cache.COMPUTED.copy()
    diagnosed = large.get("/berichte/1/gewichtung")
    assert diagnosed.status_code == 200
    assert 'id="diagnose"' in diagnosed.get_data(as_text=True)
    assert computed == cache.COMPUTED

    confirmed = large.post(
        "/berichte/1/gewichtung/bestaetigen", data={"csrf_token": token}
    )
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith("/berichte/1/ergebnisse")
    assert _setup(app).confirmed
    pending = large.get("/berichte/1/ergebnisse")
    assert pending.status_code == 202
    _run(app, _jobs(app)[-1].id)
    shown = large.get("/berichte/1/ergebnisse").get_data(as_text=True)
    assert "Ergebnisse sind gewichtet (bestätigte Gewichtung)" in shown
    assert 'id="analysis-stale"' not in shown

    # editing the confirmed set-up again leaves it in force: the findings
    # stay served as they are, nothing is computed or queued for them
    refreshes = len(_jobs(app))
    computed = cache.COMPUTED.copy()
    large.post(
        "/berichte/1/gewichtung",
        data={**WEIGHTING_FORM, "min_cell_size": "8", "csrf_token": token},
    )
    assert not _setup(app).confirmed
    again = large.get("/berichte/1/ergebnisse")
    assert again.status_code == 200
    text = again.get_data(as_text=True)
    assert "Ergebnisse sind gewichtet (bestätigte Gewichtung)" in text
    assert 'id="analysis-stale"' not in text
    assert computed == cache.COMPUTED
    assert len(_jobs(app)) == refreshes


def test_a_failed_diagnosis_says_why_and_its_retry_merges_again(
    app: Flask, large: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["JOB_MAX_ATTEMPTS"] = 1
    large.get("/berichte/1/ergebnisse")
    _run(app, _jobs(app)[0].id)
    token = csrf_token(large.get("/berichte/1/gewichtung").get_data(as_text=True))
    large.post("/berichte/1/gewichtung", data={**WEIGHTING_FORM, "csrf_token": token})

    def full_disk(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no space left on device")

    # merging the small cells fails (as on a full disk); no retry is left
    monkeypatch.setattr(analysis_jobs, "merge_small_cells", full_disk)
    _run(app, _draft_jobs(app)[0].id)
    assert _setup(app).collapse == {}
    page = large.get("/berichte/1/gewichtung")
    assert page.status_code == 202
    text = page.get_data(as_text=True)
    assert "Die Berechnung ist fehlgeschlagen" in text
    assert 'name="entwurf" value="1"' in text
    assert len(_draft_jobs(app)) == 1  # not repeated by itself
    status = large.get("/berichte/1/auswertung/stand?entwurf=1").get_json()
    assert status["status"] == "failed"

    monkeypatch.undo()
    retried = large.post(
        "/berichte/1/auswertung/neu",
        data={"csrf_token": token, "entwurf": "1", "next": "/berichte/1/gewichtung"},
    )
    assert retried.headers["Location"].endswith("/berichte/1/gewichtung")
    jobs = _draft_jobs(app)
    assert [j.status for j in jobs] == [JobStatus.FAILED, JobStatus.QUEUED]
    assert jobs[1].params["merge"] is True  # the failed one's merging too
    _run(app, jobs[1].id)
    assert large.get("/berichte/1/gewichtung").status_code == 200
    merged = _setup(app)
    assert merged.collapse

    # storing the diagnosis fails after the merging: the job is then that of
    # the merged set-up, and is not repeated by itself either
    large.post(
        "/berichte/1/gewichtung",
        data={**WEIGHTING_FORM, "min_cell_size": "8", "csrf_token": token},
    )
    monkeypatch.setattr(analysis_jobs, "store_draft", full_disk)
    _run(app, _draft_jobs(app)[-1].id)
    again = _setup(app).collapse
    assert again  # merged afresh
    assert again != merged.collapse
    assert large.get("/berichte/1/gewichtung").status_code == 202
    assert large.get("/berichte/1/gewichtung").status_code == 202
    jobs = _draft_jobs(app)
    assert [j.status for j in jobs][-1] == JobStatus.FAILED
    assert jobs[-1].params["merge"] is False
    assert len(jobs) == 3


def test_a_failed_analysis_says_why_and_can_be_retried(
    app: Flask, large: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["JOB_MAX_ATTEMPTS"] = 1

    def full_disk(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no space left on device")

    # storing the weighting fails (as on a full disk); no retry is left
    monkeypatch.setattr(analysis_jobs, "weighting_state", full_disk)
    large.get("/berichte/1/ergebnisse")
    (job,) = _jobs(app)
    _run(app, job.id)
    (job,) = _jobs(app)
    assert job.status == JobStatus.FAILED
    page = large.get("/berichte/1/ergebnisse")
    assert page.status_code == 202
    text = page.get_data(as_text=True)
    assert "Die Berechnung ist fehlgeschlagen" in text
    assert "unerwarteter Fehler" in text
    assert 'id="analysis-retry" hidden' not in text  # the retry button shows
    assert len(_jobs(app)) == 1  # a failed job is not repeated by itself
    status = large.get("/berichte/1/auswertung/stand").get_json()
    assert status["status"] == "failed"
    assert "unerwarteter Fehler" in status["error"]

    monkeypatch.undo()
    retried = large.post(
        "/berichte/1/auswertung/neu",
        data={"csrf_token": csrf_token(text), "next": "/berichte/1/ergebnisse"},
    )
    assert retried.status_code == 302
    assert retried.headers["Location"].endswith("/berichte/1/ergebnisse")
    jobs = _jobs(app)
    assert [j.status for j in jobs] == [JobStatus.FAILED, JobStatus.QUEUED]
    _run(app, jobs[1].id)
    assert large.get("/berichte/1/ergebnisse").status_code == 200
    # a foreign address to go back to is not followed
    elsewhere = large.post(
        "/berichte/1/auswertung/neu",
        data={"csrf_token": csrf_token(text), "next": "https://example.org/"},
    )
    assert elsewhere.headers["Location"].endswith("/berichte/1/ergebnisse")
    assert large.post("/berichte/1/auswertung/neu").status_code == 400


def test_small_survey_is_analysed_in_the_request(
    app: Flask, client: FlaskClient
) -> None:
    """Below the limit nothing changes: the page computes what it shows."""
    add_staff(app)
    add_demo(app, responses=40)
    assert login(client, "auswertung", PASSWORD).status_code == 302
    assert client.get("/berichte/1/ergebnisse").status_code == 200
    assert _jobs(app) == []


@pytest.mark.sqlite_only
def test_each_stored_finding_equals_the_one_computed_alone(app: Flask) -> None:
    """The job computes a question's indicators together (they are protected
    together) and stores each; that is what the page would compute for it.
    (Statistics only: the storing itself is tested on both databases above.)"""
    add_demo(app, responses=120)
    with app.app_context():
        survey = db.session.get(Survey, 1)
        state = weighting.weighting_state(survey)
        definitions = outputs.indicators(survey)
        steps: list[tuple[int, int]] = []
        assert outputs.store_each_finding(
            state, definitions, lambda d, n: steps.append((d, n))
        ) == len(definitions)
        assert steps[-1] == (len(definitions), len(definitions))
        stored = {d.key: outputs.findings(state, [d]) for d in definitions}
        cache.clear_memory()
        db.session.execute(delete(AnalysisCacheEntry))
        db.session.commit()
        state = weighting.weighting_state(survey)
        for definition in definitions:
            alone = outputs.findings(state, [definition])
            assert repr(alone) == repr(stored[definition.key]), definition.key


def test_merging_small_cells_never_overwrites_a_later_save(
    app: Flask, large: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The analyst saves the set-up again while the job is merging the cells of
    the one saved before: the later save stands."""
    token = csrf_token(large.get("/berichte/1/gewichtung").get_data(as_text=True))
    large.post("/berichte/1/gewichtung", data={**WEIGHTING_FORM, "csrf_token": token})
    (job,) = _draft_jobs(app)
    weigh = weighting.weighting_state
    by_hand = {"district": {"0101": "0102"}}

    def meanwhile(*args: Any, **kwargs: Any) -> Any:
        state = weigh(*args, **kwargs)
        other = db.engine.connect()  # the analyst's request, another session
        other.execute(
            update(WeightingSetup).values(
                collapse=by_hand, updated_at=utc_now(), min_cell_size=9
            )
        )
        other.commit()
        other.close()
        return state

    monkeypatch.setattr(weighting, "weighting_state", meanwhile)
    with app.app_context():
        survey = db.session.get(Survey, 1)
        assert not weighting.merge_small_cells(survey, job.params["setup"])
        db.session.remove()
    monkeypatch.undo()
    setup = _setup(app)
    assert setup.collapse == by_hand
    assert setup.min_cell_size == 9
