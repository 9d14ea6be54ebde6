"""Every route of the app with sample arguments, for the header and access tests."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, url_for

from umfrage.extensions import db
from umfrage.models import District, User


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    url: str


def sample_values(app: Flask, slug: str) -> dict[str, object]:
    """Arguments that name existing objects of the demo (survey, questionnaire,
    layer 1, its first district) and a spare account nobody logs in with."""
    with app.app_context():
        district = db.session.execute(
            sa.select(District.id).order_by(District.id).limit(1)
        ).scalar_one()
        spare = db.session.execute(
            sa.select(User.id).where(User.username == "ersatz")
        ).scalar_one_or_none()
    return {
        "survey_id": 1,
        "questionnaire_id": 1,
        "page_no": 1,
        "question_no": 1,
        "number": 1,
        "batch_id": 1,
        "job_id": 1,
        "kind": "csv",
        "district_id": district,
        "layer_id": 1,
        "user_id": spare or 1,
        "slug": slug,
        "filename": "umfrage.css",
        "language": "en",
    }


def all_routes(app: Flask, slug: str) -> list[Route]:
    """(endpoint, method, url) for every rule and each of its GET/POST methods."""
    values = sample_values(app, slug)
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            url = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
            for method in ("GET", "POST"):
                if method in (rule.methods or ()):
                    routes.append(Route(rule.endpoint, method, url))
    return sorted(routes, key=lambda r: (r.endpoint, r.method))
