"""Admin area: staff accounts, district layers (upload → preview → confirm, with
population and street tables), audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from auswertung.terms import DEFAULT_TERM, singular_of

from ..audit import action_name
from ..auth import role_required
from ..models import Role
from . import audit_log as audit
from . import forms, geodata, layer_jobs, services, street_jobs

bp = Blueprint("verwaltung", __name__, url_prefix="/verwaltung")

BAD_REQUEST = 400


@bp.route("/")
@role_required(Role.ADMIN)
def index() -> Any:
    return render_template(
        "verwaltung/index.html",
        users=services.users(),
        layers=services.layers_with_counts(),
        audit_entries=audit.recent_audit_entries(limit=10),
        action_name=action_name,
    )


# -- accounts ---------------------------------------------------------------------


@bp.route("/konten")
@role_required(Role.ADMIN)
def list_users() -> Any:
    return render_template("verwaltung/list_users.html", users=services.users())


@bp.route("/konten/neu", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create_user() -> Any:
    form = forms.CreateUserForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.username.data or "",
                Role(form.role.data),
                form.password.data or "",
                actor_id=current_user.id,
            )
        except services.UserError as problem:
            error = str(problem)
        else:
            flash(_("Das Konto %(name)s ist angelegt.", name=user.username))
            return redirect(url_for(".list_users"))
    status = BAD_REQUEST if request.method == "POST" else 200
    return render_template(
        "verwaltung/create_user.html", form=form, error=error
    ), status


@bp.route("/konten/<int:user_id>")
@role_required(Role.ADMIN)
def edit_user(user_id: int) -> Any:
    return _edit_user_page(user_id)


def _edit_user_page(
    user_id: int,
    role_form: forms.RoleForm | None = None,
    password_form: forms.PasswordResetForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    user = services.user_or_404(user_id)
    role_form = role_form or forms.RoleForm(data={"role": user.role.value})
    return (
        render_template(
            "verwaltung/edit_user.html",
            user=user,
            role_form=role_form,
            active_form=forms.ActiveForm(),
            password_form=password_form or forms.PasswordResetForm(),
            error=error,
        ),
        status,
    )


@bp.route("/konten/<int:user_id>/rolle", methods=["POST"])
@role_required(Role.ADMIN)
def change_role(user_id: int) -> Any:
    form = forms.RoleForm()
    if not form.validate_on_submit():
        return _edit_user_page(user_id, role_form=form, status=BAD_REQUEST)
    try:
        user = services.change_role(current_user.id, user_id, Role(form.role.data))
    except services.UserError as problem:
        return _edit_user_page(user_id, error=str(problem), status=BAD_REQUEST)
    flash(_("Die Rolle von %(name)s ist geändert.", name=user.username))
    return redirect(url_for(".edit_user", user_id=user_id))


@bp.route("/konten/<int:user_id>/aktiv", methods=["POST"])
@role_required(Role.ADMIN)
def set_active(user_id: int) -> Any:
    form = forms.ActiveForm()
    if not form.validate_on_submit() or form.active.data not in ("ja", "nein"):
        return _edit_user_page(user_id, status=BAD_REQUEST)
    active = form.active.data == "ja"
    try:
        user = services.set_active(current_user.id, user_id, active)
    except services.UserError as problem:
        return _edit_user_page(user_id, error=str(problem), status=BAD_REQUEST)
    if active:
        flash(_("Das Konto %(name)s ist wieder aktiv.", name=user.username))
    else:
        flash(_("Das Konto %(name)s ist deaktiviert.", name=user.username))
    return redirect(url_for(".edit_user", user_id=user_id))


@bp.route("/konten/<int:user_id>/passwort", methods=["POST"])
@role_required(Role.ADMIN)
def reset_password(user_id: int) -> Any:
    form = forms.PasswordResetForm()
    if not form.validate_on_submit():
        return _edit_user_page(user_id, password_form=form, status=BAD_REQUEST)
    try:
        user = services.reset_password(current_user.id, user_id, form.password.data)
    except services.UserError as problem:
        return _edit_user_page(user_id, error=str(problem), status=BAD_REQUEST)
    flash(_("Das Passwort von %(name)s ist neu gesetzt.", name=user.username))
    return redirect(url_for(".edit_user", user_id=user_id))


@bp.route("/konten/<int:user_id>/zwei-faktor", methods=["POST"])
@role_required(Role.ADMIN)
def reset_second_factor(user_id: int) -> Any:
    """Switch an account's second factor off (lost phone); ends its sessions."""
    if not forms.ActionForm().validate_on_submit():
        return _edit_user_page(user_id, status=BAD_REQUEST)
    user, changed = services.reset_second_factor(current_user.id, user_id)
    if changed:
        flash(
            _(
                "Der zweite Faktor von %(name)s ist ausgeschaltet; das Konto richtet "
                "ihn bei der nächsten Anmeldung neu ein.",
                name=user.username,
            )
        )
    return redirect(url_for(".edit_user", user_id=user_id))


# -- district layers --------------------------------------------------------------


@bp.route("/gebiete")
@role_required(Role.ADMIN)
def list_layers() -> Any:
    return render_template(
        "verwaltung/list_layers.html",
        layers=services.layers_with_counts(),
        pending=services.pending_upload(current_user.id),
    )


@bp.route("/gebiete/neu", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def upload_layer() -> Any:
    """Store the file and queue the job that checks it; its page leads to the
    preview (or names what is wrong)."""
    form = forms.LayerUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        job = layer_jobs.queue_layer_upload(
            current_user.id,
            upload.filename or "upload",
            upload.read(),
            form.crs.data or None,
        )
        return redirect(url_for("auftraege.show_job", job_id=job.id))
    status = BAD_REQUEST if request.method == "POST" else 200
    return (
        render_template("verwaltung/upload_layer.html", form=form, problems=()),
        status,
    )


@bp.route("/gebiete/neu/vorschau", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def preview_layer() -> Any:
    """The admin's pending upload: what was found, and the choice of properties."""
    upload = services.pending_upload(current_user.id)
    if upload is None:
        if request.method == "POST":
            abort(BAD_REQUEST)
        return render_template("verwaltung/preview_layer.html", upload=None)
    preview = services.upload_preview(upload)
    form = forms.LayerConfirmForm(
        data={
            "upload_id": str(upload.id),
            "name": preview.proposed_name,
            "area_term": singular_of(preview.proposed_name) or DEFAULT_TERM.singular,
            "id_property": preview.guess.id_property,
            "name_property": preview.guess.name_property,
            "parent_property": preview.guess.parent_property or "",
        }
    )
    form.set_properties(preview.summaries)
    problems: tuple[geodata.Problem, ...] = ()
    error = None
    if form.validate_on_submit():
        choice = services.LayerChoice(
            name=form.name.data or "",
            attribution=form.attribution.data or "",
            area_term=form.area_term.data or "",
            area_term_plural=form.area_term_plural.data or "",
            id_property=form.id_property.data,
            name_property=form.name_property.data,
            parent_property=form.parent_property.data or None,
        )
        try:
            layer = services.confirm_layer_upload(
                current_user.id, _int(form.upload_id.data), choice
            )
        except geodata.GeodataError as problem:
            problems = problem.problems
        except services.LayerError as problem:
            error = str(problem)
        else:
            flash(
                _(
                    "Die Gebietsgliederung %(name)s mit %(count)d Gebieten ist "
                    "angelegt.",
                    name=layer.name,
                    count=len(layer.districts),
                )
            )
            return redirect(url_for(".show_layer", layer_id=layer.id))
    status = BAD_REQUEST if request.method == "POST" else 200
    return (
        render_template(
            "verwaltung/preview_layer.html",
            upload=upload,
            layer_file=preview.layer_file,
            summaries=preview.summaries,
            outline=preview.outline,
            form=form,
            discard_form=forms.ConfirmForm(),
            problems=problems,
            error=error,
        ),
        status,
    )


@bp.route("/gebiete/neu/verwerfen", methods=["POST"])
@role_required(Role.ADMIN)
def discard_upload() -> Any:
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort(BAD_REQUEST)
    services.discard_upload(current_user.id)
    flash(_("Die hochgeladene Datei ist verworfen."))
    return redirect(url_for(".list_layers"))


@bp.route("/gebiete/<int:layer_id>")
@role_required(Role.ADMIN)
def show_layer(layer_id: int) -> Any:
    return _layer_page(layer_id)


def _layer_page(
    layer_id: int,
    population_form: forms.PopulationUploadForm | None = None,
    street_form: forms.TableUploadForm | None = None,
    problems: tuple[geodata.Problem, ...] = (),
    problems_for: str | None = None,
    error: str | None = None,
    delete_form: forms.DeleteLayerForm | None = None,
    status: int = 200,
) -> Any:
    layer = services.layer_or_404(layer_id)
    return (
        render_template(
            "verwaltung/show_layer.html",
            layer=layer,
            overview=services.layer_overview(layer),
            population_form=population_form
            or forms.PopulationUploadForm(prefix="population"),
            street_form=street_form or forms.TableUploadForm(prefix="streets"),
            delete_form=delete_form or forms.DeleteLayerForm(),
            problems=problems,
            problems_for=problems_for,
            error=error,
        ),
        status,
    )


@bp.route("/gebiete/<int:layer_id>/strassen", methods=["POST"])
@role_required(Role.ADMIN)
def upload_streets(layer_id: int) -> Any:
    """Store the file and queue the job that reads it; its page leads back to
    the layer (or names what is wrong)."""
    layer = services.layer_or_404(layer_id)
    form = forms.TableUploadForm(prefix="streets")
    if not form.validate_on_submit():
        return _layer_page(layer_id, street_form=form, status=BAD_REQUEST)
    upload = form.file.data
    with upload.stream:  # a large upload is a temporary file: closed here
        content = upload.read()
    job = street_jobs.queue_street_upload(
        current_user.id, layer, upload.filename or "", content
    )
    return redirect(url_for("auftraege.show_job", job_id=job.id))


@bp.route("/gebiete/<int:layer_id>/loeschen", methods=["POST"])
@role_required(Role.ADMIN)
def delete_layer(layer_id: int) -> Any:
    form = forms.DeleteLayerForm()
    if not form.validate_on_submit():
        return _layer_page(layer_id, delete_form=form, status=BAD_REQUEST)
    try:
        name = services.delete_layer(current_user.id, layer_id)
    except services.LayerError as problem:
        return _layer_page(layer_id, error=str(problem), status=BAD_REQUEST)
    flash(_("Die Gebietsgliederung %(name)s ist gelöscht.", name=name))
    return redirect(url_for(".list_layers"))


# -- audit log --------------------------------------------------------------------


@bp.route("/protokoll")
@role_required(Role.ADMIN)
def audit_log() -> Any:
    where, problems = _audit_filter()
    page = request.args.get("seite", 1, type=int)
    result = audit.audit_page(page=page, where=where)
    return (
        render_template(
            "verwaltung/audit_log.html",
            result=result,
            where=where,
            dates={name: request.args.get(name, "") for name in ("von", "bis")},
            problems=problems,
            actions=audit.audit_actions(),
            action_name=action_name,
            audit_users=audit.audit_users(),
            format_details=audit.format_details,
        ),
        BAD_REQUEST if problems else 200,
    )


@bp.route("/protokoll.csv")
@role_required(Role.ADMIN)
def export_audit_log() -> Any:
    where, problems = _audit_filter()
    if problems:
        abort(BAD_REQUEST, "; ".join(message for _field, message in problems))
    response = Response(
        audit.audit_csv(where, current_user.id), mimetype="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = 'attachment; filename="protokoll.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _day(text: str) -> date:
    """A date as the date field sends it (2026-11-15) or as typed (15.11.2026)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        day, month, year = text.split(".")
        return date(int(year), int(month), int(day))


def _audit_filter() -> tuple[audit.AuditFilter, list[tuple[str, str]]]:
    """The filter from the query string; with a malformed or reversed period the
    period is named and ignored (the page lists all days and says so)."""
    problems: list[tuple[str, str]] = []
    days: dict[str, date | None] = {}
    labels = {"von": _("Von"), "bis": _("Bis")}
    for name in ("von", "bis"):
        text = request.args.get(name, "").strip()
        days[name] = None
        if text:
            try:
                days[name] = _day(text)
            except ValueError:
                problems.append(
                    (
                        name,
                        _(
                            "%(field)s: „%(text)s“ ist kein Datum (TT.MM.JJJJ).",
                            field=labels[name],
                            text=text[:40],
                        ),
                    )
                )
    since, until = days["von"], days["bis"]
    if since and until and since > until:
        problems.append(("bis", _("Bis: Das Datum liegt vor „Von“.")))
    if problems:  # the period is ignored as a whole, as the page says
        since = until = None
    where = audit.AuditFilter(
        action=request.args.get("aktion", "").strip() or None,
        user_id=request.args.get("benutzer", type=int),
        since=since,
        until=until,
    )
    return where, problems


# -- helpers ----------------------------------------------------------------------


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        abort(BAD_REQUEST)


from . import population_views  # noqa: E402, F401  (routes on this blueprint)
