"""Shared fixtures: the real app on real databases (SQLite file and PostgreSQL).

PostgreSQL tests use ``UMFRAGE_TEST_POSTGRES_URL`` (default: the local ``test``
database with trust auth). Each test gets its own empty schema. Where PostgreSQL is
not reachable the PostgreSQL half is skipped, unless ``UMFRAGE_REQUIRE_POSTGRES=1``
(set by ``.ci/run``) turns that into a failure.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from umfrage import create_app
from umfrage.extensions import db

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]

# No test may depend on the machine's speed: CI shares two cores with whatever else
# runs. Property tests get no per-example deadline and no "too slow" health check
# (a test's own @settings still decide the number of examples).
settings.register_profile(
    "umfrage",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("umfrage")


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test() -> Iterator[None]:
    """Run the cyclic garbage collector when each test ends, so that a socket, file
    or connection a test left open is finalised now and its ResourceWarning fails
    *that* test (``filterwarnings = error``), not a random later one."""
    yield
    gc.collect()
    # What survives a test is the session's own state (modules, caches, the
    # worker's engines): freeze it, so that the next test's collection walks only
    # what that test made (0.15-0.3 s per test otherwise, a quarter of CI).
    gc.freeze()


def postgres_admin_url() -> str:
    return os.environ.get("UMFRAGE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason."""
    try:
        engine = sa.create_engine(postgres_admin_url())
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
    except sa.exc.OperationalError as error:
        return str(error).splitlines()[0]
    return None


_POSTGRES_PROBLEM: list[str | None] = []


def require_postgres() -> None:
    if not _POSTGRES_PROBLEM:
        _POSTGRES_PROBLEM.append(_postgres_available())
    problem = _POSTGRES_PROBLEM[0]
    if problem is None:
        return
    if os.environ.get("UMFRAGE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required but not reachable: {problem}")
    pytest.skip(f"PostgreSQL not reachable: {problem}")


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``sqlite_only``, and browser tests unless marked
    ``both_backends``, get the SQLite database only.

    What a browser sees of a page, and what statistics, PDFs and time budgets
    compute, do not depend on the database: the server side of every page is
    tested on both backends through the test client, and one end-to-end browser
    flow runs on PostgreSQL too. This keeps CI within its 15 minutes.
    """
    if "database_url" not in metafunc.fixturenames:
        return
    definition = metafunc.definition
    if any(
        "database_url" in str(mark.args[0] if mark.args else "")
        for mark in definition.iter_markers("parametrize")
    ):
        return  # the test chose its backends itself
    browser = definition.get_closest_marker("browser") is not None
    both = definition.get_closest_marker("both_backends") is not None
    if definition.get_closest_marker("sqlite_only") or (browser and not both):
        # applied by pytest's own parametrize hook (this one runs first), and
        # the fixture's own params then stand aside
        definition.add_marker(
            pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
        )


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, once per backend; dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'umfrage.sqlite'}"
        return
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'create schema "{schema}"'))
    # No wait for the disk at each commit: a test's data need not survive a crash
    # of the server, and each test commits often (schema, fixtures, requests).
    url = sa.engine.make_url(postgres_admin_url()).update_query_dict(
        {"options": f"-csearch_path={schema} -csynchronous_commit=off"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def make_app(url: str, tmp_path: Path, **extra: Any) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_ENABLED": False,
        # cheap argon2 for the many test logins (production: 3 passes, 64 MiB);
        # tests/umfrage/test_auth.py checks the production cost
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        **extra,
    }
    app = create_app(config)
    app.instance_path = str(tmp_path / "instance")
    return app


@functools.cache
def _sqlite_template() -> Path:
    """A SQLite file with the empty schema, made once per test process."""
    folder = Path(tempfile.mkdtemp(prefix="umfrage-schema-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "schema.sqlite"
    app = make_app(f"sqlite:///{path}", folder)
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return path


@functools.cache
def _postgres_script() -> str:
    """``db.create_all()``'s statements for PostgreSQL as one script, made once
    per test process."""
    statements: list[str] = []
    dialect = sa.engine.make_url(postgres_admin_url()).get_dialect()()

    def record(statement: Any, *_: Any, **__: Any) -> None:
        statements.append(f"{str(statement.compile(dialect=dialect)).strip()};")

    mock = sa.create_mock_engine(sa.engine.make_url(postgres_admin_url()), record)
    db.metadata.create_all(mock, checkfirst=False)
    return "\n".join(statements)


def create_schema(app: Flask) -> None:
    """``db.create_all()`` for the app's database (migrations have their own tests).

    A new SQLite file gets a copy of a file made once per process instead: SQLite
    waits for the disk after each of the ~200 DDL statements, half a second per
    test otherwise. An empty PostgreSQL schema gets the same statements sent as
    one script (one round trip instead of one per statement and inspection)."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    target = Path(url.database or "")
    if url.get_backend_name() == "sqlite" and url.database and not target.exists():
        shutil.copyfile(_sqlite_template(), target)
        return
    with app.app_context():
        if (
            url.get_backend_name() == "postgresql"
            and not sa.inspect(db.engine).get_table_names()
        ):
            with db.engine.begin() as connection:
                connection.exec_driver_sql(_postgres_script())
            return
        db.create_all()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on an empty schema (``create_schema``), once per backend."""
    app = make_app(database_url, tmp_path)
    create_schema(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        match = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match is not None, "page has no CSRF token"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str) -> Any:
    page = client.get("/anmelden")
    return client.post(
        "/anmelden",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )


# Browser tests -------------------------------------------------------------------

CHROMIUM = os.environ.get("UMFRAGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def buffered(app: Any, pause: float = 0.0) -> Any:
    """The WSGI app with each response read whole and closed before it is sent.

    Werkzeug's development server closes a response (and the file behind a static
    one) only after draining the socket; when the browser resets the connection the
    drain raises and the close is skipped, so the file is left to the garbage
    collector, whose ResourceWarning then fails whichever test runs at that moment.

    With a ``pause`` (seconds), each response is sent in two halves with the pause
    between, as a slow network or a busy server would: a browser test that reads
    a page before it has loaded then fails every time, not once in a hundred runs.
    """

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        response = app(environ, start_response)
        try:
            body = b"".join(response)
        finally:
            if hasattr(response, "close"):
                response.close()
        if not pause:
            return [body]
        return _halves(body, pause)

    return wsgi


def _halves(body: bytes, pause: float) -> Iterator[bytes]:
    half = len(body) // 2
    yield body[:half]
    time.sleep(pause)
    yield body[half:]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a free loopback port in a thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    # The socket listens once make_server returns: requests made before the thread
    # runs wait in the backlog, so no sleep or polling is needed for readiness.
    pause = float(os.environ.get("UMFRAGE_TEST_SLOW_PAGES") or 0)
    server = make_server("127.0.0.1", 0, buffered(app, pause), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(scope="session")
def _chromium() -> Iterator[dict[str, Any]]:
    """One headless Debian chromium per test process (Playwright drives it);
    each test gets a context of its own (``browser_page``). Starting chromium
    takes seconds on a small machine; a context, milliseconds."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("UMFRAGE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"chromium is required but missing at {CHROMIUM}")
        pytest.skip(f"no chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        running: dict[str, Any] = {"playwright": playwright, "browser": None}
        try:
            yield running
        finally:
            if running["browser"] is not None:
                running["browser"].close()


@pytest.fixture
def browser_page(_chromium: dict[str, Any]) -> Iterator[Any]:
    """A fresh page, in a fresh context (no cookies, storage or cache of another
    test), of the test process's chromium (started again if it has gone)."""
    browser = _chromium["browser"]
    if browser is None or not browser.is_connected():
        browser = _chromium["browser"] = _chromium["playwright"].chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
    # a German browser (Accept-Language de-DE), as most respondents in a German
    # city use: respondent landing pages preselect the browser's language
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="de-DE"
    )
    # Generous waits: on a loaded machine a page may take long to appear, and
    # every wait in the tests is for a state (URL, element), never a sleep.
    context.set_default_timeout(90_000)
    context.set_default_navigation_timeout(90_000)
    page = context.new_page()
    try:
        yield page
    finally:
        for other in list(browser.contexts):  # those a test opened besides
            other.close()


# Summary: which database backends ran --------------------------------------------

_BACKEND_RESULTS: dict[str, dict[str, int]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" and not (report.when == "setup" and report.skipped):
        return
    for backend in BACKENDS:
        if f"[{backend}" in report.nodeid or f"-{backend}]" in report.nodeid:
            counts = _BACKEND_RESULTS.setdefault(backend, {})
            counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _BACKEND_RESULTS:
        return
    terminalreporter.section("database backends")
    for backend in BACKENDS:
        counts = _BACKEND_RESULTS.get(backend, {})
        text = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        terminalreporter.write_line(f"{backend}: {text or 'no tests'}")
