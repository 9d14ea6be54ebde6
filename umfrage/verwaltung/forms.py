"""Admin forms (all CSRF-protected)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..models import Role
from .geodata import SUPPORTED_CRS, PropertySummary
from .population import ColumnUse, RawTable, TableMapping, column_letter
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


class PopulationUploadForm(FlaskForm):
    file = FileField(
        _l("CSV- oder Excel-Datei (XLSX)"),
        validators=[FileRequired(_l("Bitte eine Datei auswählen."))],
    )


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (delete, discard)."""


class DeleteLayerForm(FlaskForm):
    confirm = BooleanField(
        _l("Ja, diese Gebietsgliederung endgültig löschen"),
        validators=[DataRequired(_l("Bitte bestätigen Sie das Löschen."))],
    )


class PopulationMappingForm(FlaskForm):
    """Which column is which; per-column fields are added by
    :func:`population_mapping_form`."""

    upload_id = HiddenField(validators=[DataRequired()])
    shape = SelectField(
        _l("Aufbau der Tabelle"),
        choices=[
            SelectChoice(
                "wide", _l("breit: eine Spalte je Ausprägung (z. B. je Altersgruppe)")
            ),
            SelectChoice("long", _l("lang: eine Zeile je Gebiet und Ausprägung")),
        ],
    )
    key_column = SelectField(_l("Spalte mit der Gebietskennung"), choices=[])
    variable_column = SelectField(_l("Spalte mit dem Merkmal"), choices=[])
    level_column = SelectField(_l("Spalte mit der Ausprägung"), choices=[])
    count_column = SelectField(_l("Spalte mit der Anzahl"), choices=[])


def population_mapping_form(
    table: RawTable, proposal: TableMapping, upload_id: int, formdata: Any = None
) -> PopulationMappingForm:
    """A fresh form class with a variable and a level field per column, filled
    with the proposal unless the admin posted values."""

    class Form(PopulationMappingForm):
        pass

    for index, _name in enumerate(table.header):
        setattr(
            Form,
            f"col_{index}_variable",
            StringField(_l("Merkmal"), validators=[Optional(), Length(max=100)]),
        )
        setattr(
            Form,
            f"col_{index}_level",
            StringField(_l("Ausprägung"), validators=[Optional(), Length(max=100)]),
        )
    data: dict[str, Any] = {
        "upload_id": str(upload_id),
        "shape": proposal.shape,
        "key_column": str(proposal.key_column),
        "variable_column": _index(proposal.variable_column),
        "level_column": _index(proposal.level_column),
        "count_column": _index(proposal.count_column),
    }
    for index, use in enumerate(proposal.columns):
        data[f"col_{index}_variable"] = use.variable
        data[f"col_{index}_level"] = use.level
    form = Form(formdata=formdata, data=data) if formdata else Form(data=data)
    choices = [
        SelectChoice(str(i), f"{column_letter(i)}: {name}")
        for i, name in enumerate(table.header)
    ]
    form.key_column.choices = choices
    for field in (form.variable_column, form.level_column, form.count_column):
        field.choices = [SelectChoice("", str(_l("– keine –"))), *choices]
    return form


def _index(value: int | None) -> str:
    return "" if value is None else str(value)


def mapping_of(form: PopulationMappingForm, table: RawTable) -> TableMapping:
    """The posted mapping (unparseable choices become -1 / None: reported)."""

    def number(text: str | None) -> int | None:
        return int(text) if text and text.isdigit() else None

    columns = tuple(
        ColumnUse(
            " ".join(str(getattr(form, f"col_{i}_variable").data or "").split()),
            " ".join(str(getattr(form, f"col_{i}_level").data or "").split()),
        )
        for i in range(len(table.header))
    )
    key = number(form.key_column.data)
    return TableMapping(
        shape="long" if form.shape.data == "long" else "wide",
        key_column=-1 if key is None else key,
        columns=columns,
        variable_column=number(form.variable_column.data),
        level_column=number(form.level_column.data),
        count_column=number(form.count_column.data),
    )
