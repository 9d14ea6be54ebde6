"""Admin forms (all CSRF-protected)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..models import Role
from .geodata import SUPPORTED_CRS, PropertySummary
from .services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def role_choices() -> list[tuple[str, str]]:
    return [
        (Role.ADMIN.value, str(_l("Verwaltung"))),
        (Role.DESIGNER.value, str(_l("Gestaltung"))),
        (Role.ANALYST.value, str(_l("Auswertung"))),
    ]


def _password_length() -> Length:
    return Length(
        min=MIN_PASSWORD_LENGTH,
        max=MAX_PASSWORD_LENGTH,
        message=_l(
            "Das Passwort muss %(min)d bis %(max)d Zeichen lang sein.",
            min=MIN_PASSWORD_LENGTH,
            max=MAX_PASSWORD_LENGTH,
        ),
    )


class CreateUserForm(FlaskForm):
    username = StringField(
        _l("Benutzername"), validators=[DataRequired(), Length(max=120)]
    )
    role = SelectField(_l("Rolle"), choices=[], validators=[DataRequired()])
    password = PasswordField(
        _l("Anfangspasswort (mindestens 10 Zeichen)"),
        validators=[DataRequired(), _password_length()],
    )
    password_repeat = PasswordField(
        _l("Passwort wiederholen"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Die Passwörter stimmen nicht überein.")),
        ],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class RoleForm(FlaskForm):
    role = SelectField(_l("Rolle"), choices=[], validators=[DataRequired()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class ActiveForm(FlaskForm):
    """Activate or deactivate: the button's value says which."""

    active = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("Neues Passwort (mindestens 10 Zeichen)"),
        validators=[DataRequired(), _password_length()],
    )
    password_repeat = PasswordField(
        _l("Neues Passwort wiederholen"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Die Passwörter stimmen nicht überein.")),
        ],
    )


class LayerUploadForm(FlaskForm):
    file = FileField(
        _l("Datei: GeoJSON oder ZIP mit Shapefile (.shp, .shx, .dbf, .prj)"),
        validators=[FileRequired(_l("Bitte eine Datei auswählen."))],
    )
    crs = SelectField(_l("Koordinatensystem"), choices=[], default="")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.crs.choices = [
            ("", str(_l("aus der Datei (.prj bzw. Angabe „crs“; sonst WGS84)"))),
            *SUPPORTED_CRS.items(),
        ]


class LayerConfirmForm(FlaskForm):
    upload_id = HiddenField(validators=[DataRequired()])
    name = StringField(
        _l("Name der Gebietsgliederung"), validators=[DataRequired(), Length(max=200)]
    )
    attribution = TextAreaField(
        _l("Quelle und Lizenz (wird unter „Datenquellen“ angezeigt)"),
        validators=[Optional(), Length(max=2000)],
    )
    area_term = StringField(
        _l("Bezeichnung eines Gebiets (Einzahl), z. B. Stadtteil"),
        validators=[Optional(), Length(max=100)],
    )
    area_term_plural = StringField(
        _l("Mehrzahl, z. B. Stadtteile (leer: wird vorgeschlagen)"),
        validators=[Optional(), Length(max=100)],
    )
    id_property = SelectField(
        _l("Eigenschaft mit der Gebietskennung"),
        choices=[],
        validators=[DataRequired()],
    )
    name_property = SelectField(
        _l("Eigenschaft mit dem Gebietsnamen"), choices=[], validators=[DataRequired()]
    )
    parent_property = SelectField(
        _l("Eigenschaft mit dem übergeordneten Gebiet (z. B. Bezirk), optional"),
        choices=[],
    )

    def set_properties(self, summaries: Sequence[PropertySummary]) -> None:
        names = [(s.name, s.name) for s in summaries]
        self.id_property.choices = names
        self.name_property.choices = names
        self.parent_property.choices = [("", str(_l("– keine –"))), *names]


class TableUploadForm(FlaskForm):
    file = FileField(
        _l("CSV-Datei (UTF-8, Komma oder Semikolon)"),
        validators=[FileRequired(_l("Bitte eine Datei auswählen."))],
    )


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (delete, discard)."""


class DeleteLayerForm(FlaskForm):
    confirm = BooleanField(
        _l("Ja, diese Gebietsgliederung endgültig löschen"),
        validators=[DataRequired(_l("Bitte bestätigen Sie das Löschen."))],
    )
