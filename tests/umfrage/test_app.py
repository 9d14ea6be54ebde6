"""App factory and configuration."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from flask import Flask

from umfrage import create_app
from umfrage.config import load_config, normalise_database_url


def test_secret_key_is_generated_once_into_instance_folder(tmp_path: Path) -> None:
    app = Flask("probe", instance_path=str(tmp_path / "instance"))
    load_config(app, None)
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(app.config["SECRET_KEY"]) == 64

    again = Flask("probe", instance_path=str(tmp_path / "instance"))
    load_config(again, None)
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_default_database_is_sqlite_in_instance_folder(tmp_path: Path) -> None:
    app = Flask("probe", instance_path=str(tmp_path / "inst"))
    load_config(app, None)
    expected = f"sqlite:///{tmp_path / 'inst' / 'umfrage.sqlite'}"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected


def test_environment_database_url_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UMFRAGE_DATABASE_URL", "postgresql://u@db.example/umfrage")
    app = Flask("probe", instance_path=str(tmp_path))
    load_config(app, None)
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"]
        == "postgresql+psycopg://u@db.example/umfrage"
    )


def test_normalise_database_url_keeps_other_drivers() -> None:
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert (
        normalise_database_url("postgresql+psycopg://a@b/c")
        == "postgresql+psycopg://a@b/c"
    )


def test_create_app_does_not_create_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    import sqlalchemy as sa

    from umfrage.extensions import db

    with app.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
        db.engine.dispose()
