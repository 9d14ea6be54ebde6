"""Model rules that hold on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from umfrage.extensions import db
from umfrage.models import (
    District,
    DistrictLayer,
    PublishedVersionError,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)


def _version(status: VersionStatus) -> QuestionnaireVersion:
    questionnaire = Questionnaire(name="Test")
    version = QuestionnaireVersion(
        number=1, definition={"name": "test"}, fingerprint="abc", status=status
    )
    questionnaire.versions.append(version)
    db.session.add(questionnaire)
    db.session.commit()
    return version


def test_published_version_cannot_change(app: Flask) -> None:
    with app.app_context():
        version = _version(VersionStatus.PUBLISHED)
        version.definition = {"name": "changed"}
        with pytest.raises(PublishedVersionError):
            db.session.commit()
        db.session.rollback()
        version = db.session.get(QuestionnaireVersion, version.id)
        assert version is not None
        assert version.definition == {"name": "test"}
        version.status = VersionStatus.DRAFT
        with pytest.raises(PublishedVersionError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(version)
        with pytest.raises(PublishedVersionError):
            db.session.commit()


def test_draft_version_can_change_and_be_published(app: Flask) -> None:
    with app.app_context():
        version = _version(VersionStatus.DRAFT)
        version.definition = {"name": "changed"}
        db.session.commit()
        version.status = VersionStatus.PUBLISHED
        version.fingerprint = "def"
        db.session.commit()
        assert db.session.get(QuestionnaireVersion, version.id).fingerprint == "def"


def test_district_codes_are_unique_per_layer_and_keep_leading_zeros(app: Flask) -> None:
    with app.app_context():
        layer = DistrictLayer(name="Test")
        layer.districts.append(District(code="0101", name="A"))
        db.session.add(layer)
        db.session.commit()
        assert db.session.execute(sa.select(District.code)).scalar() == "0101"
        layer.districts.append(District(code="0101", name="B"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_foreign_keys_are_enforced(app: Flask) -> None:
    with app.app_context():
        db.session.add(District(layer_id=999, code="1", name="Ohne Ebene"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
