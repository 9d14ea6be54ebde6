"""The ``umfrage`` console commands: thin wrappers around services."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from .models import Role


def _create_app(*_args: Any, **_kwargs: Any) -> Flask:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Umfrage: Befragungen gestalten, durchführen und auswerten."""


def upgrade_database() -> None:
    """Apply all Alembic migrations to the configured database."""
    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    upgrade(directory=str(Path(__file__).parent / "migrations"))


@main.command("init")
@with_appcontext
def init_command() -> None:
    """Instanzordner anlegen und das Datenbankschema aktualisieren."""
    upgrade_database()
    click.echo(f"Datenbank ist aktuell: {_safe_url()}")


@main.command("create-user")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    required=True,
    help="admin, designer oder analyst",
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user_command(username: str, role: str, password: str) -> None:
    """Ein Konto für Mitarbeitende anlegen."""
    from .verwaltung.services import UserError, create_user

    try:
        create_user(username, Role(role), password)
    except UserError as error:
        raise click.UsageError(str(error)) from error
    click.echo(f"Benutzerkonto {username!r} ({role}) angelegt.")


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--responses", default=400, show_default=True, type=int)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option(
    "--no-serve", is_flag=True, help="Nur Daten laden, keinen Server starten."
)
@with_appcontext
def demo_command(
    host: str, port: int, responses: int, seed: int, no_serve: bool
) -> None:
    """Demo laden (Hamburg, Familienbefragung, Antworten, Konten) und starten."""
    from . import demo

    upgrade_database()
    result = demo.load_demo(responses=responses, seed=seed)
    passwords = demo.reset_demo_users()
    click.echo(
        f"Demo geladen: {result.districts} Stadtteile, Befragung "
        f"/s/{result.survey_slug}, {result.responses} Antworten."
    )
    click.echo("Demo-Zugänge (nur für die Vorführung):")
    for username, role, password in passwords:
        click.echo(f"  {username:<10} Rolle {role:<9} Passwort {password}")
    if not no_serve:
        _serve(host, port, f"/s/{result.survey_slug}")


@main.command("purge")
@with_appcontext
def purge_command() -> None:
    """Antworten von Befragungen löschen, deren Löschdatum erreicht ist."""
    from .gestaltung.surveys import purge_expired_responses

    done = purge_expired_responses()
    for survey, count in done:
        click.echo(
            f"Befragung /s/{survey.slug} (Löschdatum {survey.deletion_date}): "
            f"{count} Antworten gelöscht."
        )
    if not done:
        click.echo("Keine Befragung hat ihr Löschdatum erreicht.")
    _flush_codes()


@main.command("flush-codes")
@with_appcontext
def flush_codes_command() -> None:
    """Abgeschickte Einladungscodes gemischt verbuchen (siehe docs/security.md)."""
    _flush_codes()


def _flush_codes() -> None:
    from .spent_codes import flush_all
    from .teilnahme.access import purge_handles

    count = flush_all()
    click.echo(f"{count} abgeschickte Einladungscodes gemischt verbucht.")
    purge_handles(current_app.config["RESPONDENT_SESSION_DAYS"])


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Schema aktualisieren und starten (für den Betrieb: gunicorn)."""
    upgrade_database()
    _serve(host, port, "/")


def _serve(host: str, port: int, path: str) -> None:
    from .auftraege.queue import start_embedded_consumer

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if start_embedded_consumer(app) is not None:
        click.echo("Aufträge (Briefe, Exporte) laufen in diesem Prozess.")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    click.echo(f"Umfrage läuft auf http://{shown}:{port}{path}  (Beenden mit Strg+C)")
    click.echo(f"Anmeldung für Mitarbeitende: http://{shown}:{port}/anmelden")
    sys.stdout.flush()
    # Flask ignores app.run() inside its own CLI, so serve with Werkzeug directly.
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@main.command("worker")
@click.option(
    "--workers", default=2, show_default=True, type=int, help="Threads je Prozess"
)
@with_appcontext
def worker_command(workers: int) -> None:
    """Aufträge aus der Warteschlange abarbeiten (QUEUE_URL, z. B. Redis)."""
    from .auftraege.queue import create_consumer, queue_url

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    url = queue_url(app)
    if url == "immediate":
        raise click.UsageError("QUEUE_URL=immediate braucht keinen Worker.")
    shown = url.split("@")[-1] if url.startswith("redis") else url
    click.echo(f"Worker mit {workers} Threads an {shown} (Beenden mit Strg+C)")
    sys.stdout.flush()
    create_consumer(app, workers, embedded=False).run()


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return url.render_as_string(hide_password=True)


# --- Reports and exports (issue 7, analysts) ---------------------------------------


def _analysis_survey(reference: str) -> Any:
    from .berichte.services import find_survey

    survey = find_survey(reference)
    if survey is None:
        raise click.UsageError(
            f"Keine Befragung mit der Nummer oder Kennung {reference!r}."
        )
    return survey


@main.command("report")
@click.option("--survey", "reference", required=True, help="Nummer oder Kennung (slug)")
@click.option(
    "--pdf", "out", required=True, type=click.Path(dir_okay=False), help="Zieldatei"
)
@click.option("--district", default=None, help="Profil eines Sozialraums (Code)")
@click.option("--all-districts", is_flag=True, help="Alle Sozialraum-Profile")
@with_appcontext
def report_command(
    reference: str, out: str, district: str | None, all_districts: bool
) -> None:
    """Stadtbericht oder Sozialraum-Profile als PDF schreiben."""
    from .berichte import outputs

    if district and all_districts:
        raise click.UsageError("--district und --all-districts schließen sich aus.")
    survey = _analysis_survey(reference)
    if all_districts:
        content = outputs.district_profiles_pdf(survey)
    elif district:
        try:
            content = outputs.district_profiles_pdf(survey, district)
        except LookupError:
            raise click.UsageError(
                f"Den Sozialraum {district!r} gibt es in dieser Befragung nicht."
            ) from None
    else:
        content = outputs.city_report_pdf(survey)
    Path(out).write_bytes(content)
    click.echo(f"{out} geschrieben ({len(content)} Bytes).")


@main.command("export")
@click.option("--survey", "reference", required=True, help="Nummer oder Kennung (slug)")
@click.option(
    "--format",
    "kind",
    required=True,
    type=click.Choice(["csv", "csv-excel", "xlsx", "sav", "dta", "codebook"]),
)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def export_command(reference: str, kind: str, out: str) -> None:
    """Antworten mit Gewichten (oder das Codebuch) exportieren."""
    from .berichte import outputs

    survey = _analysis_survey(reference)
    content = outputs.export_file(survey, kind, None)
    Path(out).write_bytes(content)
    click.echo(f"{out} geschrieben ({len(content)} Bytes).")
