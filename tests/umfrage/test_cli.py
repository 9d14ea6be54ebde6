"""The ``umfrage`` console commands against a real database."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo

from umfrage import create_app
from umfrage.cli import main
from umfrage.extensions import db


def _env(database_url: str) -> dict[str, str]:
    return {"UMFRAGE_DATABASE_URL": database_url, "UMFRAGE_SECRET_KEY": "cli-test"}


def run(database_url: str, args: list[str], input: str | None = None) -> Result:  # noqa: A002
    """Invoke the console group as a user would, with the database from the
    environment; the app it built is closed afterwards."""
    apps: list[Flask] = []

    def build() -> Flask:
        apps.append(create_app())
        return apps[-1]

    result = CliRunner().invoke(
        main,
        args,
        input=input,
        env=_env(database_url),
        obj=ScriptInfo(create_app=build),
    )
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return result


def _count(database_url: str, table: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        value = connection.execute(sa.text(f"select count(*) from {table}")).scalar()
    engine.dispose()
    return int(value or 0)


def test_init_creates_schema(database_url: str) -> None:
    result = run(database_url, ["init"])
    assert result.exit_code == 0, result.output
    assert "Datenbank ist aktuell" in result.output
    assert _count(database_url, "response") == 0


def test_create_user_and_refuse_duplicate_or_short_password(database_url: str) -> None:
    assert run(database_url, ["init"]).exit_code == 0
    ok = run(
        database_url,
        ["create-user", "maria", "--role", "analyst"],
        input="ein-langes-passwort\nein-langes-passwort\n",
    )
    assert ok.exit_code == 0, ok.output
    again = run(
        database_url,
        ["create-user", "maria", "--role", "analyst", "--password", "x" * 12],
    )
    assert again.exit_code == 2
    assert "gibt es schon" in again.output
    short = run(
        database_url,
        ["create-user", "otto", "--role", "designer", "--password", "kurz"],
    )
    assert short.exit_code == 2
    assert "mindestens 10 Zeichen" in short.output
    assert _count(database_url, "user_account") == 1


def test_demo_loads_city_survey_responses_and_users(database_url: str) -> None:
    result = run(database_url, ["demo", "--no-serve", "--responses", "60"])
    assert result.exit_code == 0, result.output
    assert "104 Stadtteile" in result.output
    assert "60 Antworten" in result.output
    for username in ("admin", "gestaltung", "auswertung"):
        assert username in result.output
    assert _count(database_url, "district") == 104
    assert _count(database_url, "response") == 60
    assert _count(database_url, "user_account") == 3

    # running it again loads nothing twice and gives new passwords
    second = run(database_url, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert _count(database_url, "district") == 104
    assert _count(database_url, "response") == 60
    assert _count(database_url, "user_account") == 3
