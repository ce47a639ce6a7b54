"""The permission matrix: every route and API endpoint that works on one form is
classified by the right it needs, and checked for a user with that right, a user with every
other right, a stranger, and a user from whom one field is hidden.

A new route under /staff/forms/<id>/ or /api/v1/forms/<id>/ fails this suite until it is
classified here, so no page or endpoint can skip app/rights.py unnoticed.
"""

from __future__ import annotations

import ast
import copy
import io
import json
import pathlib
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa
from flask import url_for

from app import rights
from app.attachments import held
from app.extensions import db
from app.forms import operations
from app.models import Attachment, Grant
from app.records.submission import submit
from app.tokens import create_token
from builder.fields.uploads import Upload
from tests.conftest import ELECTION, log_in

#: (endpoint, method) -> what the route needs (a right, or VIEW_FORM: any right on the form)
REQUIRED = {
    ("staff.form_detail", "GET"): rights.VIEW_FORM,
    ("staff.download_definition", "GET"): rights.VIEW_FORM,
    ("staff.versions", "GET"): rights.VIEW_FORM,
    ("staff.share", "GET"): rights.VIEW_FORM,
    ("staff.qr_code", "GET"): rights.VIEW_FORM,
    ("staff.share", "POST"): rights.MANAGE,
    ("staff.duplicate", "GET"): rights.VIEW_FORM,
    ("staff.duplicate", "POST"): rights.VIEW_FORM,
    ("designer.preview", "GET"): rights.VIEW_FORM,
    ("designer.version_preview", "GET"): rights.VIEW_FORM,
    ("staff.confirm_close", "GET"): rights.MANAGE,
    ("staff.edit_definition", "GET"): rights.MANAGE,
    ("staff.edit_definition", "POST"): rights.MANAGE,
    ("staff.set_open", "POST"): rights.MANAGE,
    ("staff.permissions", "GET"): rights.MANAGE,
    ("staff.change_permissions", "POST"): rights.MANAGE,
    ("staff.publish", "GET"): rights.MANAGE,
    ("staff.publish", "POST"): rights.MANAGE,
    ("staff.save_template", "GET"): rights.MANAGE,
    ("staff.save_template", "POST"): rights.MANAGE,
    ("staff.form_settings", "GET"): rights.MANAGE,
    ("staff.form_settings", "POST"): rights.MANAGE,
    ("staff.mail_settings", "GET"): rights.MANAGE,
    ("staff.mail_settings", "POST"): rights.MANAGE,
    ("staff.restore_version", "POST"): rights.MANAGE,
    ("designer.design", "GET"): rights.MANAGE,
    ("designer.cards", "POST"): rights.MANAGE,
    ("designer.changes", "GET"): rights.MANAGE,
    ("designer.save_draft", "PUT"): rights.MANAGE,
    ("designer.reorder", "POST"): rights.MANAGE,
    ("designer.publish", "POST"): rights.MANAGE,
    ("staff.records", "GET"): rights.VIEW_RECORDS,
    ("staff.record_detail", "GET"): rights.VIEW_RECORDS,
    ("staff.export_csv", "GET"): rights.EXPORT,
    ("staff.edit_record", "GET"): rights.EDIT_RECORDS,
    ("staff.edit_record", "POST"): rights.EDIT_RECORDS,
    ("staff.record_history", "GET"): rights.VIEW_RECORDS,
    ("staff.restore_revision", "POST"): rights.EDIT_RECORDS,
    ("staff.add_comment", "POST"): rights.VIEW_RECORDS,
    ("staff.delete_comment", "POST"): rights.VIEW_RECORDS,
    ("staff.mention_candidates", "GET"): rights.VIEW_RECORDS,
    ("staff.export_zip", "GET"): rights.EXPORT,
    ("staff.download_attachment", "GET"): rights.VIEW_RECORDS,
    ("staff.set_record_status", "POST"): rights.EDIT_RECORDS,
    ("staff.set_record_assignee", "POST"): rights.EDIT_RECORDS,
    ("staff.trash_record", "POST"): rights.DELETE_RECORDS,
    ("staff.trash_list", "GET"): rights.DELETE_RECORDS,
    ("staff.restore_records", "POST"): rights.DELETE_RECORDS,
    ("staff.delete_now", "GET"): rights.MANAGE,
    ("staff.delete_now", "POST"): rights.MANAGE,
    ("staff.bulk_records", "POST"): rights.VIEW_RECORDS,
    ("staff.workflow_settings", "GET"): rights.MANAGE,
    ("staff.workflow_settings", "POST"): rights.MANAGE,
    ("staff.add_on_behalf", "GET"): rights.ADD_RECORDS,
    ("staff.add_on_behalf", "POST"): rights.ADD_RECORDS,
    ("staff.saved_view", "POST"): rights.VIEW_RECORDS,
    ("staff.records_summary", "GET"): rights.VIEW_RECORDS,
    ("staff.records_crosstab", "GET"): rights.VIEW_RECORDS,
    ("staff.crosstab_csv", "GET"): rights.EXPORT,
    ("staff.crosstab_xlsx", "GET"): rights.EXPORT,
    ("staff.export_xlsx", "GET"): rights.EXPORT,
    ("staff.record_print", "GET"): rights.VIEW_RECORDS,
    ("staff.import_records", "GET"): rights.IMPORT,
    ("staff.import_records", "POST"): rights.IMPORT,
    ("staff.import_check", "POST"): rights.IMPORT,
    ("staff.import_commit", "POST"): rights.IMPORT,
    ("api.get_form", "GET"): rights.VIEW_FORM,
    ("api.replace_draft", "PUT"): rights.MANAGE,
    ("api.publish", "POST"): rights.MANAGE,
    ("api.get_permissions", "GET"): rights.MANAGE,
    ("api.replace_permissions", "PUT"): rights.MANAGE,
    ("api.list_records", "GET"): rights.VIEW_RECORDS,
    ("api.get_record", "GET"): rights.VIEW_RECORDS,
    ("api.export_records", "GET"): rights.EXPORT,
    ("api.download_attachment", "GET"): rights.VIEW_RECORDS,
    ("api.crosstab_records", "GET"): rights.VIEW_RECORDS,
    ("api.create_record", "POST"): rights.ADD_RECORDS,
    ("api.update_record", "PATCH"): rights.EDIT_RECORDS,
    ("api.record_history", "GET"): rights.VIEW_RECORDS,
    ("api.delete_record", "DELETE"): rights.DELETE_RECORDS,
}

#: what a user needs to hold for each requirement
NEEDS = {
    rights.VIEW_FORM: {rights.ADD_RECORDS},
    rights.EXPORT: {rights.EXPORT, rights.VIEW_RECORDS},
}

SECRET = "秘密花子"  # the value of the hidden field; it must reach no page of that user


def form_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every route that works on one form."""
    found = []
    for rule in app.url_map.iter_rules():
        if "form_id" not in rule.arguments:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return found


def test_every_form_route_is_classified(app):
    unclassified = [
        f"{method} {rule} ({endpoint})"
        for endpoint, method, rule in form_routes(app)
        if (endpoint, method) not in REQUIRED
    ]
    assert not unclassified, (
        "Routes that work on a form must check rights with app.rights and be classified "
        f"in tests/test_permission_matrix.py REQUIRED: {unclassified}"
    )
    stale = set(REQUIRED) - {(e, m) for e, m, _r in form_routes(app)}
    assert not stale, f"classified routes that no longer exist: {stale}"


READERS = {"query", "iterate", "get"}
ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_records_are_read_only_through_record_access():
    """No module outside app/records reads record values from the store directly."""
    offenders = []
    for folder in ("app", "builder", "renderer"):
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative in {"app/records/store.py", "app/records/access.py"}:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in READERS
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "store"
                ):
                    offenders.append(f"{relative}:{node.lineno} store.{node.attr}")
                if isinstance(node, ast.ImportFrom) and node.module == "app.records.store":
                    offenders += [
                        f"{relative}:{node.lineno} imports {a.name}"
                        for a in node.names
                        if a.name in READERS
                    ]
    assert not offenders, f"read records through app.records.access.RecordAccess: {offenders}"


@pytest.fixture
def world(app, make_user, make_form, other_department):
    """A published form with one record, and users with chosen grants (none from its
    department, whose default grant stays)."""
    document = copy.deepcopy(ELECTION)
    form = make_form(document)
    definition = operations.load_draft(form)
    record, _new = submit(form, definition, {"name": SECRET, "age": 41, "ward": "一関"})
    # a file of a visible field, for the download routes
    pdf = Upload(name="a.pdf", size=4, content_type="application/pdf", stream=io.BytesIO(b"%PDF"))
    uploads = {"ward": [pdf]}
    held.hold(form, uploads, bound_to="matrix")
    held.attach_step(form, uploads)(record)
    db.session.commit()

    def user_with(name: str, granted: set[str], fields: dict | None = None):
        user = make_user(name, dept=other_department)
        if granted:
            db.session.add(
                Grant(form_id=form.id, user_id=user.id, rights=sorted(granted), fields=fields or {})
            )
            db.session.commit()
        return user

    return form, record, user_with


def _url(app, endpoint, form, record):
    with app.test_request_context():
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        values = {
            "form_id": form.id,
            "record_id": record.id,
            "number": 1,
            "attachment_id": db.session.scalar(
                sa.select(Attachment.id).where(Attachment.record_id == record.id)
            ),
        }
        return url_for(endpoint, **{k: v for k, v in values.items() if k in rule.arguments})


def _call(app, user, endpoint, method, url):
    client = app.test_client()
    if endpoint.startswith("api."):
        headers = {"Authorization": f"Bearer {create_token(user)}"}
        body = {"json": {}} if method in {"POST", "PUT"} else {}
        return getattr(client, method.lower())(url, headers=headers, **body)
    log_in(client, user)
    body = {"data": {}} if method in {"POST", "PUT"} else {}
    return getattr(client, method.lower())(url, **body)


def _text(response) -> str:
    """The response as a person or script reads it (JSON with its escapes decoded, the
    cells of a workbook)."""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    if response.mimetype.startswith("image/") and response.mimetype != "image/svg+xml":
        return ""  # a picture (a QR code) carries no record values
    if response.mimetype == "application/zip":  # every file of the archive, as text
        archive = zipfile.ZipFile(io.BytesIO(response.data))
        return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    if response.mimetype == "application/pdf":
        return response.get_data().decode("latin-1")
    if response.mimetype.endswith("spreadsheetml.sheet"):  # .xlsx: the XML parts of the zip
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as workbook:
            return "".join(workbook.read(name).decode() for name in workbook.namelist())
    if response.mimetype.endswith(".sheet"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return "\n".join(
            str(cell) for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row
        )
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("endpoint", "method"), sorted(REQUIRED))
def test_route_needs_its_right(app, world, endpoint, method):
    form, record, user_with = world
    needed = REQUIRED[(endpoint, method)]
    holds = NEEDS.get(needed, {needed})
    url = _url(app, endpoint, form, record)
    stranger = user_with("stranger", set())
    # every other right (for "any right on the form", no right at all)
    others = set() if needed == rights.VIEW_FORM else set(rights.RIGHTS) - {needed}
    lacking = user_with("lacking", others)
    holder = user_with("holder", holds)

    assert _call(app, stranger, endpoint, method, url).status_code in {403, 404}
    response = _call(app, lacking, endpoint, method, url)
    assert response.status_code in {403, 404}, (endpoint, method, response.status_code)
    response = _call(app, holder, endpoint, method, url)
    assert response.status_code not in {401, 403, 404}, (endpoint, method, response.status_code)


GET_ROUTES = sorted(k for k in REQUIRED if k[1] == "GET")


def test_hidden_field_reaches_no_page(app, world):
    """A user with every right but one hidden field never receives its value."""
    form, record, user_with = world
    user = user_with("hidden", set(rights.RIGHTS), {"name": rights.HIDDEN})
    for endpoint, method in GET_ROUTES:
        response = _call(app, user, endpoint, method, _url(app, endpoint, form, record))
        assert response.status_code == 200, (endpoint, response.status_code)
        assert SECRET not in _text(response), endpoint
    # the same pages show it to a user without the hidden field
    seer = user_with("seer", set(rights.RIGHTS))
    for endpoint in (
        "staff.records",
        "staff.record_detail",
        "staff.record_print",
        "staff.export_csv",
        "staff.export_xlsx",
        "api.get_record",
    ):
        response = _call(app, seer, endpoint, "GET", _url(app, endpoint, form, record))
        assert SECRET in _text(response), endpoint


def test_hidden_field_absent_from_api_values(app, world):
    form, record, user_with = world
    user = user_with("hidden", {rights.VIEW_RECORDS}, {"name": rights.HIDDEN})
    base = f"/api/v1/forms/{form.id}/records"
    listing = _call(app, user, "api.list_records", "GET", base).get_json()
    assert "name" not in listing["items"][0]["values"]
    assert listing["items"][0]["values"]["age"] == 41
    one = _call(app, user, "api.get_record", "GET", f"{base}/{record.id}").get_json()
    assert set(one["values"]) == {"age", "ward", "days"}


@pytest.mark.parametrize(
    "query",
    ["name=秘密花子", "name.contains=秘", "sort=name", "sort=-name", "age.min=1&name.contains=x"],
)
def test_filter_or_sort_on_hidden_field_is_refused_by_the_api(app, world, query):
    form, record, user_with = world
    user = user_with("hidden", {rights.VIEW_RECORDS, rights.EXPORT}, {"name": rights.HIDDEN})
    for path in ("records", "records/export"):
        response = _call(
            app, user, "api.list_records", "GET", f"/api/v1/forms/{form.id}/{path}?{query}"
        )
        assert response.status_code == 403, (path, query)
        body = response.get_json()
        assert "name" in body["error"]
        assert SECRET not in _text(response)


@pytest.mark.parametrize("query", ["f_name=秘密花子", "f_name.contains=秘", "sort=f_name&dir=desc"])
@pytest.mark.parametrize("endpoint", ["staff.records", "staff.export_csv"])
def test_filter_or_sort_on_hidden_field_is_refused_on_staff_pages(app, world, query, endpoint):
    form, record, user_with = world
    user = user_with("hidden", {rights.VIEW_RECORDS, rights.EXPORT}, {"name": rights.HIDDEN})
    response = _call(app, user, endpoint, "GET", _url(app, endpoint, form, record) + "?" + query)
    assert response.status_code == 403
    text = _text(response)
    assert "f_name" in text and SECRET not in text


def test_add_records_refuses_read_only_and_hidden_fields(app, world):
    form, record, user_with = world
    user = user_with(
        "adder",
        {rights.ADD_RECORDS, rights.VIEW_RECORDS},
        {"age": rights.READ, "ward": rights.HIDDEN},
    )
    base = f"/api/v1/forms/{form.id}/records"
    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_token(user)}"}
    refused = client.post(base, headers=headers, json={"name": "山田", "age": 30, "ward": "一関"})
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"age", "ward"}
    accepted = client.post(base, headers=headers, json={"name": "山田"})
    assert accepted.status_code == 201
    assert "ward" not in accepted.get_json()["values"]


def test_add_only_user_gets_the_receipt_without_values(app, world):
    form, record, user_with = world
    user = user_with("adder", {rights.ADD_RECORDS})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_token(user)}"}
    response = client.post(
        f"/api/v1/forms/{form.id}/records", headers=headers, json={"name": "山田"}
    )
    assert response.status_code == 201
    assert response.get_json()["values"] == {} and response.get_json()["receipt_no"]
