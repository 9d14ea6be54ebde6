"""Admin reads and writes: staff accounts, district layers with their population
and street tables, the audit log. Each write is one transaction with its audit
entry; bad input raises (``UserError``, ``LayerError``, ``geodata.GeodataError``)
and changes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from auswertung.terms import AreaTerm

from ..audit import record
from ..auth import hash_password
from ..extensions import db
from ..models import (
    District,
    DistrictLayer,
    InvitationCode,
    LayerUpload,
    PopulationFigure,
    Response,
    Role,
    Street,
    Survey,
    User,
    utc_now,
)
from . import geodata

# -- accounts ---------------------------------------------------------------------


class UserError(Exception):
    """A staff account cannot be created or changed as asked (message names why)."""


MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200  # the login form accepts no more
_USERNAME = re.compile(r"^[\w.@+-]{1,120}$")


def users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.username)).scalars())


def user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(
            f"Das Passwort darf höchstens {MAX_PASSWORD_LENGTH} Zeichen lang sein."
        )


def create_user(
    username: str, role: Role, password: str, actor_id: int | None = None
) -> User:
    """Create a staff account with an argon2 password hash."""
    username = username.strip()
    if not username or len(username) > 120:
        raise UserError("Der Benutzername muss 1 bis 120 Zeichen lang sein.")
    if not _USERNAME.match(username):
        raise UserError(
            "Der Benutzername darf nur Buchstaben, Ziffern und . _ @ + - enthalten."
        )
    check_password(password)
    exists = db.session.execute(
        select(User.id).where(User.username == username)
    ).scalar_one_or_none()
    if exists is not None:
        raise UserError(f"Den Benutzernamen {username!r} gibt es schon.")
    user = User(username=username, role=role, password_hash=hash_password(password))
    db.session.add(user)
    record(actor_id, "create_user", f"user:{username}", role=role.value)
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    """Set a password and (re)activate the account (demo accounts)."""
    user.password_hash = hash_password(password)
    user.active = True
    db.session.commit()


def _leaves_an_active_admin(user: User, role: Role, active: bool) -> bool:
    """Whether some active admin remains after ``user`` becomes (role, active).

    The admin rows are locked (PostgreSQL) so that two admins demoting each other
    at the same moment cannot both succeed."""
    if role == Role.ADMIN and active:
        return True
    others = db.session.execute(
        select(User.id)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        .with_for_update()
    ).all()
    return bool(others)


def change_role(actor_id: int, user_id: int, role: Role) -> User:
    user = user_or_404(user_id)
    if user.role == role:
        return user
    if not _leaves_an_active_admin(user, role, user.active):
        db.session.rollback()
        raise UserError(
            f"{user.username} ist das letzte aktive Verwaltungskonto; es muss "
            "Verwaltung bleiben. Geben Sie zuerst einem anderen Konto diese Rolle."
        )
    old = user.role
    user.role = role
    user.end_sessions()
    record(
        actor_id, "change_role", f"user:{user.username}", old=old.value, new=role.value
    )
    db.session.commit()
    return user


def set_active(actor_id: int, user_id: int, active: bool) -> User:
    user = user_or_404(user_id)
    if user.active == active:
        return user
    if not _leaves_an_active_admin(user, user.role, active):
        db.session.rollback()
        raise UserError(
            f"{user.username} ist das letzte aktive Verwaltungskonto und kann nicht "
            "deaktiviert werden."
        )
    user.active = active
    user.end_sessions()
    action = "reactivate_user" if active else "deactivate_user"
    record(actor_id, action, f"user:{user.username}")
    db.session.commit()
    return user


def reset_password(actor_id: int, user_id: int, password: str) -> User:
    user = user_or_404(user_id)
    check_password(password)
    user.password_hash = hash_password(password)
    # Every session of the account ends; the next login must choose a password
    # that the admin does not know.
    user.end_sessions()
    user.must_change_password = user.id != actor_id
    record(actor_id, "reset_password", f"user:{user.username}")
    db.session.commit()
    return user


def reset_second_factor(actor_id: int, user_id: int) -> tuple[User, bool]:
    """Switch the account's second factor off; False if it was not on."""
    from ..two_factor import reset_for

    user = user_or_404(user_id)
    if not user.totp_secret:
        return user, False
    reset_for(actor_id, user)
    db.session.commit()
    return user, True


# -- district layers --------------------------------------------------------------


class LayerError(Exception):
    """A layer action is refused for a reason outside the file (message says why)."""


UPLOAD_LIFETIME = timedelta(days=1)


def layers_with_counts() -> list[tuple[DistrictLayer, int]]:
    rows = db.session.execute(
        select(DistrictLayer, func.count(District.id))
        .outerjoin(District)
        .group_by(DistrictLayer.id)
        .order_by(DistrictLayer.name)
    ).all()
    return [(layer, int(count)) for layer, count in rows]


def layer_or_404(layer_id: int) -> DistrictLayer:
    return db.get_or_404(DistrictLayer, layer_id)


@dataclass(frozen=True)
class LayerOverview:
    """What the layer page shows besides the districts."""

    population: dict[int, list[PopulationFigure]]  # by district id
    variables: list[tuple[str, int, int]]  # variable, levels, total count
    street_counts: dict[int, int]  # by district id
    streets: int
    surveys: list[Survey]
    outline: geodata.Outline


def layer_overview(layer: DistrictLayer) -> LayerOverview:
    figures = db.session.execute(
        select(PopulationFigure)
        .join(District)
        .where(District.layer_id == layer.id)
        .order_by(PopulationFigure.variable, PopulationFigure.id)
    ).scalars()
    population: dict[int, list[PopulationFigure]] = {}
    levels: dict[str, set[str]] = {}
    totals: dict[str, int] = {}
    for figure in figures:
        population.setdefault(figure.district_id, []).append(figure)
        levels.setdefault(figure.variable, set()).add(figure.level)
        totals[figure.variable] = totals.get(figure.variable, 0) + figure.count
    street_counts = dict(
        db.session.execute(
            select(Street.district_id, func.count(Street.id))
            .where(Street.layer_id == layer.id)
            .group_by(Street.district_id)
        ).all()
    )
    surveys = list(
        db.session.execute(
            select(Survey)
            .where(Survey.district_layer_id == layer.id)
            .order_by(Survey.id)
        ).scalars()
    )
    return LayerOverview(
        population=population,
        variables=[(v, len(levels[v]), totals[v]) for v in sorted(levels)],
        street_counts={int(k): int(v) for k, v in street_counts.items()},
        streets=sum(int(v) for v in street_counts.values()),
        surveys=surveys,
        outline=geodata.outline(
            [d.geometry for d in layer.districts],
            [f"{d.code} {d.name}" for d in layer.districts],
        ),
    )


def stage_layer_upload(
    actor_id: int,
    filename: str,
    data: bytes,
    stated_crs: str | None,
    bounds: tuple[float, float, float, float] = geodata.GERMANY_BOUNDS,
    limits: geodata.LayerLimits | None = None,
) -> LayerUpload:
    """Check a layer file and keep it for the preview (replacing the admin's
    previous pending upload). Raises ``geodata.GeodataError``; nothing is stored
    then."""
    layer_file = geodata.read_layer_file(
        data, filename, stated_crs, bounds=bounds, limits=limits
    )
    db.session.execute(
        delete(LayerUpload).where(
            (LayerUpload.user_id == actor_id)
            | (LayerUpload.created_at < utc_now() - UPLOAD_LIFETIME)
        )
    )
    upload = LayerUpload(
        user_id=actor_id, filename=filename[:255], content=layer_file.to_data()
    )
    db.session.add(upload)
    db.session.commit()
    return upload


def pending_upload(user_id: int) -> LayerUpload | None:
    return db.session.execute(
        select(LayerUpload)
        .where(
            LayerUpload.user_id == user_id,
            LayerUpload.created_at >= utc_now() - UPLOAD_LIFETIME,
        )
        .order_by(LayerUpload.id.desc())
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class UploadPreview:
    """What the preview shows of a pending upload, with preselected properties."""

    layer_file: geodata.LayerFile
    summaries: list[geodata.PropertySummary]
    guess: geodata.PropertyGuess
    proposed_name: str
    outline: geodata.Outline


def upload_preview(upload: LayerUpload) -> UploadPreview:
    layer_file = geodata.LayerFile.from_data(upload.content)
    summaries = layer_file.property_summaries()
    return UploadPreview(
        layer_file=layer_file,
        summaries=summaries,
        guess=geodata.guess_properties(summaries),
        proposed_name=geodata.default_layer_name(layer_file.filename),
        outline=geodata.outline([f.geometry for f in layer_file.features]),
    )


def discard_upload(user_id: int) -> None:
    db.session.execute(delete(LayerUpload).where(LayerUpload.user_id == user_id))
    db.session.commit()


@dataclass(frozen=True)
class LayerChoice:
    """What the admin chose in the preview."""

    name: str
    attribution: str
    id_property: str
    name_property: str
    parent_property: str | None
    area_term: str = ""
    area_term_plural: str = ""


def confirm_layer_upload(
    actor_id: int, upload_id: int, choice: LayerChoice
) -> DistrictLayer:
    """Create the layer and all its districts from the pending upload, in one
    transaction. Raises ``LayerError`` or ``geodata.GeodataError``."""
    upload = pending_upload(actor_id)
    if upload is None or upload.id != upload_id:
        raise LayerError(
            "Diese Vorschau ist nicht mehr aktuell (die Datei wurde ersetzt, "
            "verworfen oder ist älter als einen Tag). Laden Sie die Datei neu hoch."
        )
    name = " ".join(choice.name.split())
    if not name or len(name) > 200:
        raise LayerError("Der Name der Gebietsgliederung muss 1 bis 200 Zeichen haben.")
    taken = db.session.execute(
        select(DistrictLayer.id).where(DistrictLayer.name == name)
    ).scalar_one_or_none()
    if taken is not None:
        raise LayerError(f"Eine Gebietsgliederung namens {name!r} gibt es schon.")
    layer_file = geodata.LayerFile.from_data(upload.content)
    districts = geodata.build_districts(
        layer_file.features,
        choice.id_property,
        choice.name_property,
        choice.parent_property,
    )
    term = AreaTerm.of(
        " ".join(choice.area_term.split()), " ".join(choice.area_term_plural.split())
    )
    layer = DistrictLayer(
        name=name,
        attribution=choice.attribution.strip(),
        area_term=term.singular[:100],
        area_term_plural=term.plural[:100],
    )
    for item in districts:
        layer.districts.append(
            District(
                code=item.code,
                name=item.name,
                parent_name=item.parent_name,
                geometry=item.geometry,
            )
        )
    db.session.add(layer)
    db.session.delete(upload)
    db.session.flush()
    record(
        actor_id,
        "create_layer",
        f"layer:{layer.id}",
        name=name,
        file=layer_file.filename,
        format=layer_file.source_format,
        crs=layer_file.crs if len(layer_file.crs) < 40 else layer_file.crs_name,
        districts=len(districts),
        id_property=choice.id_property,
        name_property=choice.name_property,
        parent_property=choice.parent_property,
    )
    db.session.commit()
    return layer


def delete_layer(actor_id: int, layer_id: int) -> str:
    """Delete a layer with its districts, population and streets; refused while a
    survey, response or invitation code refers to it. Returns the layer's name."""
    layer = layer_or_404(layer_id)
    surveys = list(
        db.session.execute(
            select(Survey.title).where(Survey.district_layer_id == layer.id)
        ).scalars()
    )
    if surveys:
        raise LayerError(
            f"Die Gebietsgliederung {layer.name!r} wird von "
            + ", ".join(repr(s) for s in surveys)
            + " verwendet und kann nicht gelöscht werden."
        )
    district_ids = select(District.id).where(District.layer_id == layer.id)
    used = (
        db.session.execute(
            select(func.count(Response.id)).where(
                Response.district_id.in_(district_ids)
            )
        ).scalar_one()
        + db.session.execute(
            select(func.count(InvitationCode.id)).where(
                InvitationCode.district_id.in_(district_ids)
            )
        ).scalar_one()
    )
    if used:
        raise LayerError(
            f"Antworten oder Einladungscodes verweisen auf Gebiete von {layer.name!r}; "
            "die Gebietsgliederung kann nicht gelöscht werden."
        )
    name = layer.name
    count = len(layer.districts)
    db.session.execute(delete(Street).where(Street.layer_id == layer.id))
    db.session.delete(layer)
    record(actor_id, "delete_layer", f"layer:{layer_id}", name=name, districts=count)
    db.session.commit()
    return name


@dataclass(frozen=True)
class TableImport:
    rows: int
    variables: tuple[str, ...] = ()
    duplicates: int = 0


def _codes(layer: DistrictLayer) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(District.code, District.id).where(District.layer_id == layer.id)
        ).all()
    )


def import_population(
    actor_id: int, layer_id: int, filename: str, data: bytes
) -> TableImport:
    """Replace the layer's population figures of the variables in the file (other
    variables stay). Raises ``geodata.GeodataError``; nothing changes then."""
    layer = layer_or_404(layer_id)
    codes = _codes(layer)
    rows = geodata.parse_population_csv(data, codes)
    variables = tuple(sorted({row.variable for row in rows}))
    db.session.execute(
        delete(PopulationFigure).where(
            PopulationFigure.district_id.in_(codes.values()),
            PopulationFigure.variable.in_(variables),
        )
    )
    db.session.add_all(
        PopulationFigure(
            district_id=codes[row.code],
            variable=row.variable,
            level=row.level,
            count=row.count,
        )
        for row in rows
    )
    record(
        actor_id,
        "import_population",
        f"layer:{layer.id}",
        file=filename,
        rows=len(rows),
        variables=list(variables),
    )
    db.session.commit()
    return TableImport(rows=len(rows), variables=variables)


def import_streets(
    actor_id: int, layer_id: int, filename: str, data: bytes
) -> TableImport:
    """Replace the layer's street directory. Raises ``geodata.GeodataError``."""
    layer = layer_or_404(layer_id)
    codes = _codes(layer)
    table = geodata.parse_street_csv(data, codes)
    db.session.execute(delete(Street).where(Street.layer_id == layer.id))
    db.session.add_all(
        Street(layer_id=layer.id, name=name, district_id=codes[code])
        for name, code in table.rows
    )
    record(
        actor_id,
        "import_streets",
        f"layer:{layer.id}",
        file=filename,
        rows=len(table.rows),
        duplicates=table.duplicates,
    )
    db.session.commit()
    return TableImport(rows=len(table.rows), duplicates=table.duplicates)


def streets_by_district(layer_id: int) -> dict[str, list[str]]:
    """``{district code: [street name, ...]}`` of a layer (for the district search)."""
    rows = db.session.execute(
        select(District.code, Street.name)
        .join(District, Street.district_id == District.id)
        .where(Street.layer_id == layer_id)
        .order_by(District.code, Street.name)
    ).all()
    result: dict[str, list[str]] = {}
    for code, name in rows:
        result.setdefault(code, []).append(name)
    return result
