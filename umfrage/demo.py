"""The demo city: Hamburg's 104 Stadtteile with household figures, the family
survey and synthetic responses that answer unequally by family type."""

from __future__ import annotations

import csv
import functools
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from fragebogen import routing, validation
from fragebogen.demo import load_demo as load_demo_questionnaire
from fragebogen.errors import AnswerError
from fragebogen.model import Question, Questionnaire, QuestionType, fingerprint
from fragebogen.yaml_format import to_data

from .extensions import db
from .models import (
    AccessMode,
    District,
    DistrictLayer,
    PopulationFigure,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    Role,
    Survey,
    SurveyStatus,
    User,
    VersionStatus,
    local_today,
    utc_now,
)
from .models import (
    Questionnaire as QuestionnaireRow,
)
from .services import questionnaire_of

LAYER_NAME = "Hamburg – Stadtteile"
SURVEY_SLUG = "familienbefragung"
ATTRIBUTION = (
    "Geometrie: Freie und Hansestadt Hamburg, Landesbetrieb Geoinformation und "
    "Vermessung (LGV), ALKIS Verwaltungsgrenzen, dl-de/by-2-0; aufbereitet von Open "
    "Data Product (CC BY 4.0). Haushaltszahlen: Statistisches Amt für Hamburg und "
    "Schleswig-Holstein, Hamburger Stadtteil-Profile 2014 (Stand 31.12.2013). "
    "Vier Tabellenzeilen umfassen je zwei Stadtteile; ihre Zahlen sind dem bewohnten "
    "Teil zugeordnet (Kleiner Grasbrook, Finkenwerder, Moorburg, Neuland)."
)
# Rows of the statistics table that cover two Stadtteile: the populated part.
_COMBINED_ROWS = {
    "Kleiner Grasbrook und Steinwerder": "Kleiner Grasbrook",
    "Waltershof und Finkenwerder": "Finkenwerder",
    "Moorburg und Altenwerder": "Moorburg",
    "Neuland und Gut Moor": "Neuland",
}
FAMILY_TYPE = "family_type"
DEMO_USERS = (
    ("admin", Role.ADMIN),
    ("gestaltung", Role.DESIGNER),
    ("auswertung", Role.ANALYST),
)


@dataclass(frozen=True)
class DemoResult:
    districts: int
    survey_slug: str
    responses: int


@dataclass(frozen=True)
class HamburgDistrict:
    code: str
    name: str
    parent_name: str
    geometry: dict[str, Any]
    single_parent: int | None
    couple_family: int | None


def _data_file(name: str) -> Any:
    return resources.files("umfrage").joinpath("demo_data", "hamburg", name)


def parse_german_number(text: str) -> int | None:
    """``" 1 675    "`` → 1675; ``"-  23"`` → -23; ``"."`` (suppressed) → None."""
    cleaned = text.replace("\xa0", " ").strip()
    if cleaned in ("", ".", "-"):
        return None
    sign = -1 if cleaned.startswith("-") else 1
    digits = cleaned.lstrip("-").replace(" ", "")
    if "," in digits:
        raise ValueError(f"expected a whole number, got {text!r}")
    return sign * int(digits)


def read_hamburg() -> list[HamburgDistrict]:
    """The 104 Stadtteile with households with children by family type (read
    once per process: the files are part of the package, and nothing changes
    an outline in place)."""
    return list(_hamburg_districts())


@functools.cache
def _hamburg_districts() -> tuple[HamburgDistrict, ...]:
    with _data_file("hamburg-district-regions.geojson").open(
        "r", encoding="utf-8"
    ) as fh:
        features = json.load(fh)["features"]
    with _data_file("Daten_fuer_die_Stadtteilprofile_2014.csv").open(
        "r", encoding="utf-8"
    ) as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header = [column.strip() for column in rows[0]]
    with_children = header.index("Haushalte mit Kindern")
    single = header.index("Alleinerziehende")
    figures: dict[str, tuple[int | None, int | None]] = {}
    for row in rows[1:-8]:  # the last 8 rows are the Bezirke and the city
        name = _COMBINED_ROWS.get(row[0].strip(), row[0].strip())
        households = parse_german_number(row[with_children])
        single_parents = parse_german_number(row[single])
        couples = (
            households - single_parents
            if households is not None and single_parents is not None
            else None
        )
        figures[name] = (single_parents, couples)
    districts = []
    for feature in features:
        props = feature["properties"]
        single_parents, couples = figures.get(props["name"], (None, None))
        districts.append(
            HamburgDistrict(
                code=str(props["id"]),
                name=props["name"],
                parent_name=props["district_name"],
                geometry=feature["geometry"],
                single_parent=single_parents,
                couple_family=couples,
            )
        )
    return tuple(sorted(districts, key=lambda d: d.code))


def load_demo(responses: int = 400, seed: int = 2026) -> DemoResult:
    """Load layer, questionnaire, survey and synthetic responses once (idempotent)."""
    layer = _hamburg_layer()
    survey = _family_survey(layer)
    existing = db.session.execute(
        select(db.func.count(Response.id)).where(Response.survey_id == survey.id)
    ).scalar_one()
    if existing == 0 and responses > 0:
        add_synthetic_responses(survey, responses, seed)
    count = db.session.execute(
        select(db.func.count(Response.id)).where(Response.survey_id == survey.id)
    ).scalar_one()
    # counted, not len(layer.districts): that would load every outline again
    districts = db.session.execute(
        select(db.func.count(District.id)).where(District.layer_id == layer.id)
    ).scalar_one()
    return DemoResult(int(districts), survey.slug, int(count))


def reset_demo_users() -> list[tuple[str, str, str]]:
    """Create the demo staff users, or give them fresh random passwords."""
    import secrets

    from .verwaltung.services import create_user, set_password

    credentials = []
    for username, role in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        user = db.session.execute(
            select(User).where(User.username == username)
        ).scalar_one_or_none()
        if user is None:
            create_user(username, role, password)
        else:
            set_password(user, password)
        credentials.append((username, role.value, password))
    return credentials


@functools.cache
def _demo_questionnaire(name: str) -> Questionnaire:
    """The demo questionnaire, parsed once per process (it is immutable)."""
    return load_demo_questionnaire(name)


def _hamburg_layer() -> DistrictLayer:
    layer = db.session.execute(
        select(DistrictLayer).where(DistrictLayer.name == LAYER_NAME)
    ).scalar_one_or_none()
    if layer is not None:
        return layer
    layer = DistrictLayer(
        name=LAYER_NAME,
        attribution=ATTRIBUTION,
        area_term="Stadtteil",
        area_term_plural="Stadtteile",
    )
    for item in read_hamburg():
        district = District(
            code=item.code,
            name=item.name,
            parent_name=item.parent_name,
            geometry=item.geometry,
        )
        for level, count in (
            ("single_parent", item.single_parent),
            ("couple_family", item.couple_family),
        ):
            if count is not None:
                district.population.append(
                    PopulationFigure(variable=FAMILY_TYPE, level=level, count=count)
                )
        layer.districts.append(district)
    db.session.add(layer)
    db.session.commit()
    return layer


def _family_survey(layer: DistrictLayer) -> Survey:
    survey = db.session.execute(
        select(Survey).where(Survey.slug == SURVEY_SLUG)
    ).scalar_one_or_none()
    if survey is not None:
        return survey
    questionnaire = _demo_questionnaire("familienbefragung")
    row = QuestionnaireRow(name="Familienbefragung")
    version = QuestionnaireVersion(
        number=1,
        definition=to_data(questionnaire),
        fingerprint=fingerprint(questionnaire),
        status=VersionStatus.PUBLISHED,
        published_at=utc_now(),
    )
    row.versions.append(version)
    today = local_today()
    survey = Survey(
        slug=SURVEY_SLUG,
        title=questionnaire.title.get_text("de", questionnaire.default_language),
        questionnaire_version=version,
        district_layer=layer,
        field_start=today - timedelta(days=30),
        field_end=today + timedelta(days=60),
        access_mode=AccessMode.OPEN,
        status=SurveyStatus.OPEN,
        languages=list(questionnaire.languages),
    )
    db.session.add_all([row, survey])
    db.session.commit()
    return survey


# Synthetic responses ----------------------------------------------------------

_WISHES = (
    "Mehr Angebote am Nachmittag.",
    "Kurse auch auf Türkisch und Arabisch.",
    "Ein Familienzentrum näher an unserer Wohnung.",
    "Günstigere Sportangebote für Kinder.",
)


def add_synthetic_responses(survey: Survey, count: int, seed: int) -> None:
    """Responses drawn so that single parents and some districts answer less —
    the situation weighting has to repair. Every answer passes the validation."""
    rng = random.Random(seed)
    questionnaire = questionnaire_of(survey.questionnaire_version)
    districts = (
        db.session.execute(
            select(District)
            .where(District.layer_id == survey.district_layer_id)
            # outlines are not needed here; the figures of all at once
            .options(defer(District.geometry), selectinload(District.population))
        )
        .scalars()
        .all()
    )
    cells: list[tuple[District, str]] = []
    weights: list[float] = []
    for district in districts:
        propensity = 0.5 + rng.random()  # districts answer unequally
        for figure in district.population:
            cells.append((district, figure.level))
            # single parents answer about half as often as couple families
            factor = 0.5 if figure.level == "single_parent" else 1.0
            weights.append(figure.count * propensity * factor)
    mood = {district.code: rng.gauss(0.0, 0.6) for district in districts}
    codes = [district.code for district in districts]
    today = local_today()
    for _ in range(count):
        district, level = rng.choices(cells, weights=weights)[0]
        answers = _synthetic_answers(
            questionnaire, rng, district.code, level, mood[district.code], codes
        )
        started = today - timedelta(days=rng.randrange(0, 30))
        complete = rng.random() > 0.1
        if not complete:
            answers = dict(list(answers.items())[: rng.randrange(1, 4)])
        db.session.add(
            Response(
                survey_id=survey.id,
                questionnaire_version_id=survey.questionnaire_version_id,
                language=rng.choices(
                    questionnaire.languages,
                    weights=[8] + [1] * (len(questionnaire.languages) - 1),
                )[0],
                status=ResponseStatus.COMPLETE if complete else ResponseStatus.PARTIAL,
                answers=answers,
                district_id=district.id if "sozialraum" in answers else None,
                last_page=len(questionnaire.pages) - 1 if complete else 0,
                started_on=started,
                completed_on=min(
                    started + timedelta(days=rng.choice((0, 0, 0, 1))), today
                )
                if complete
                else None,
            )
        )
    db.session.commit()


def _synthetic_answers(
    questionnaire: Questionnaire,
    rng: random.Random,
    district_code: str,
    family_level: str,
    mood: float,
    district_codes: list[str],
) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    index: int | None = 0
    if not validation.page_is_relevant(questionnaire, 0, answers):
        index = routing.next_page_index(questionnaire, 0, answers)
    while index is not None:
        page = questionnaire.pages[index]
        for _attempt in range(50):
            raw: dict[str, Any] = {}
            for question in page.questions:
                raw.update(
                    _random_answer(question, rng, district_code, family_level, mood)
                )
            try:
                cleaned = validation.validate_page(
                    questionnaire, index, raw, answers, district_codes
                )
            except AnswerError:
                continue
            answers.update(cleaned)
            break
        else:
            raise RuntimeError(f"no valid synthetic answers for page {page.name!r}")
        index = routing.next_page_index(questionnaire, index, answers)
    return answers


def _random_answer(
    question: Question,
    rng: random.Random,
    district_code: str,
    family_level: str,
    mood: float,
) -> dict[str, Any]:
    name = question.name
    kind = question.type
    substantive = [o for o in question.options if not o.missing]
    missing = [o for o in question.options if o.missing]
    if name == "haushaltstyp":
        code = 2 if family_level == "single_parent" else rng.choice((1, 1, 1, 1, 3))
        return {name: code}
    if kind == QuestionType.DISTRICT:
        return {
            name: district_code
            if rng.random() > 0.03 or not missing
            else missing[0].value
        }
    if kind in (QuestionType.LIKERT, QuestionType.SINGLE_CHOICE):
        if not question.required and rng.random() < 0.05:
            return {}
        if missing and rng.random() < 0.12:
            return {name: missing[0].code}
        if kind == QuestionType.LIKERT and substantive:
            return {name: _scale_point(substantive, rng, mood, family_level)}
        return {name: rng.choice(substantive or list(question.options)).code}
    if kind == QuestionType.LIKERT_MATRIX:
        result: dict[str, Any] = {}
        for item in question.items:
            if missing and rng.random() < 0.15:
                result[item.name] = missing[0].code
            else:
                result[item.name] = _scale_point(substantive, rng, mood, family_level)
        return result
    if kind == QuestionType.MULTIPLE_CHOICE:
        exclusive = [o for o in question.options if o.exclusive]
        plain = [
            o
            for o in question.options
            if not o.exclusive and not o.other and not o.missing
        ]
        if exclusive and rng.random() < 0.2:
            return {name: [exclusive[0].code]}
        chosen = [o.code for o in plain if rng.random() < 0.35]
        if not chosen and plain:
            chosen = [rng.choice(plain).code]
        return {name: chosen}
    if kind == QuestionType.NUMBER:
        low = int(question.minimum if question.minimum is not None else 0)
        high = int(question.maximum if question.maximum is not None else low + 10)
        return {name: rng.randint(low, min(high, low + 3))}
    if kind == QuestionType.YEAR:
        low = int(question.minimum if question.minimum is not None else 2008)
        high = int(question.maximum if question.maximum is not None else 2025)
        return {name: rng.randint(low, high)}
    if kind == QuestionType.DATE:
        return {
            name: (date(2020, 1, 1) + timedelta(days=rng.randrange(1500))).isoformat()
        }
    if kind == QuestionType.CONSENT:
        return {name: True}
    if kind == QuestionType.LONG_TEXT:
        return {name: rng.choice(_WISHES)} if rng.random() < 0.3 else {}
    if kind == QuestionType.TEXT:
        return {name: "Sonstiges"} if question.required else {}
    return {}


def _scale_point(
    options: list[Any], rng: random.Random, mood: float, family_level: str
) -> int:
    """A scale point around the middle, shifted by the district's mood; single
    parents are somewhat less satisfied."""
    centre = (
        (len(options) - 1) / 2
        + mood
        - (0.4 if family_level == "single_parent" else 0.0)
    )
    position = round(min(max(rng.gauss(centre, 1.0), 0), len(options) - 1))
    return int(options[position].code)
