"""Alembic migrations: they build the models' schema, and upgrading a database
that holds responses keeps every response."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from tests.conftest import make_app
from umfrage.extensions import db

MIGRATIONS = str(Path(__file__).parents[2] / "umfrage" / "migrations")
OLDEST_WITH_RESPONSES = "0001"


def test_migrations_build_exactly_the_model_schema(
    database_url: str, tmp_path: Path
) -> None:
    app = make_app(database_url, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True}
            )
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_upgrade_keeps_existing_responses(database_url: str, tmp_path: Path) -> None:
    app = make_app(database_url, tmp_path)
    answers = {"haushaltstyp": 2, "sozialraum": "0101", "wuensche": "Mehr Kitas"}
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=OLDEST_WITH_RESPONSES)
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "insert into questionnaire (id, name, created_at) "
                    "values (1, 'Alt', '2025-01-01 00:00:00+00:00')"
                )
            )
            connection.execute(
                sa.text(
                    "insert into questionnaire_version (id, questionnaire_id, number,"
                    " definition, fingerprint, status) values (1, 1, 1, :d, 'f',"
                    " 'published')"
                ),
                {"d": json.dumps({"name": "alt"})},
            )
            connection.execute(
                sa.text(
                    "insert into survey (id, slug, title, questionnaire_version_id,"
                    " access_mode, status, languages, created_at) values (1, 'alt',"
                    " 'Alt', 1, 'open', 'closed', '[\"de\"]',"
                    " '2025-01-01 00:00:00+00:00')"
                )
            )
            for number in range(1, 4):
                connection.execute(
                    sa.text(
                        "insert into response (id, survey_id, questionnaire_version_id,"
                        " language, status, answers, last_page, started_on,"
                        " completed_on) values (:id, 1, 1, 'de', 'complete', :a, 3,"
                        " '2025-03-01', '2025-03-02')"
                    ),
                    {"id": number, "a": json.dumps(answers | {"nr": number})},
                )

            for number, used in enumerate([True, False, True]):
                connection.execute(
                    sa.text(
                        "insert into invitation_code (survey_id, code_hash, used,"
                        " created_on) values (1, :h, :u, '2025-03-01')"
                    ),
                    {"h": f"hash-{number}", "u": used},
                )

        upgrade(directory=MIGRATIONS)

        with db.engine.connect() as connection:
            spent = connection.execute(
                sa.text("select code_hash, pending from spent_code")
            ).all()
            codes = connection.execute(
                sa.text("select count(*) from invitation_code")
            ).scalar()
            rows = connection.execute(
                sa.text(
                    "select id, status, answers, started_on, completed_on from response"
                )
            ).all()
            head = connection.execute(
                sa.text("select version_num from alembic_version")
            ).scalar()
        db.engine.dispose()
    assert head != OLDEST_WITH_RESPONSES
    # codes marked used become spent (flushed) codes; the code rows stay
    assert sorted(row.code_hash for row in spent) == ["hash-0", "hash-2"]
    assert not any(row.pending for row in spent)
    assert codes == 3
    # Revision 0004 renumbers responses with random ids (no order of arrival).
    assert len(rows) == 3
    assert all(row.id > 2**32 for row in rows)
    numbers = []
    for row in rows:
        stored = (
            row.answers if isinstance(row.answers, dict) else json.loads(row.answers)
        )
        numbers.append(stored["nr"])
        assert stored == answers | {"nr": stored["nr"]}
        assert row.status == "complete"
        assert str(row.started_on) == "2025-03-01"
        assert str(row.completed_on) == "2025-03-02"
    assert sorted(numbers) == [1, 2, 3]
