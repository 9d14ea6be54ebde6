"""The baseline of the load harness: a minimal Flask handler that reads one row
from the same database and renders a small Jinja template, served by the same
gunicorn. Respondent pages are measured as a ratio to it (issue 13)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, render_template_string

PAGE = "<!doctype html><title>{{ name }}</title><p>{{ name }} ({{ code }})</p>"


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["UMFRAGE_DATABASE_URL"]
    engine = sa.create_engine(url, pool_pre_ping=True)

    @app.get("/")
    def one_row() -> str:
        with engine.connect() as connection:
            row = connection.execute(
                sa.text("select code, name from district order by id limit 1")
            ).one()
        return render_template_string(PAGE, code=row.code, name=row.name)

    return app
