"""File attachments: checks by content, limits, holding between pages, storage, downloads
with rights, the ZIP export, the API and the purge of unattached uploads."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import rights
from app.attachments import purge
from app.extensions import db
from app.models import Attachment, AuditEvent, Grant
from app.records import store
from app.tokens import create_token
from builder.fields.file_kinds import clean_filename, sniff
from tests.conftest import log_in
from tests.test_public_form import _token

ROOT = Path(__file__).resolve().parent.parent


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


PNG = png_bytes()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as container:
        container.writestr("[Content_Types].xml", "<Types/>")
        container.writestr(part, "<x/>")
    return buffer.getvalue()


def document(**settings) -> dict:
    return {
        "title": "補助金申請",
        "slug": "hojokin",
        "fields": [
            {"key": "name", "type": "text", "label": "氏名", "required": True},
            {"key": "doc", "type": "file", "label": "添付書類", "required": True, **settings},
        ],
    }


def _post(client, data: dict, files: list[tuple[bytes, str]], action="confirm", slug="hojokin"):
    page = client.get(f"/f/{slug}")
    token = _token(page.get_data(as_text=True))
    body = {"f_name": "山田", **data, "submission_token": token, "action": action}
    body["f_doc"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(f"/f/{slug}", data=body, content_type="multipart/form-data")


def _references(html: str) -> list[str]:
    return re.findall(r'name="f_doc" value="([^"]+)"', html)


def _submit(client, confirm_html: str, slug="hojokin", **extra):
    data = {
        "f_name": "山田",
        "submission_token": _token(confirm_html),
        "action": "submit",
        "f_doc": _references(confirm_html),
        **extra,
    }
    return client.post(f"/f/{slug}", data=data)


def _stored(client, make_form, files=((PNG, "写真.png"),), **settings):
    form = make_form(document(**settings))
    confirm = _post(client, {}, list(files))
    assert confirm.status_code == 200, confirm.get_data(as_text=True)
    done = _submit(client, confirm.get_data(as_text=True))
    assert done.status_code == 303
    return form, store.query(form, []).records[0]


# -------------------------------------------------------------- checks by content
def test_sniff_reads_the_content_not_the_name():
    assert sniff(io.BytesIO(PNG)) == "png"
    assert sniff(io.BytesIO(PDF)) == "pdf"
    assert sniff(io.BytesIO(EXE)) is None
    assert sniff(io.BytesIO(office("word/document.xml"))) == "docx"
    assert sniff(io.BytesIO(office("xl/workbook.xml"))) == "xlsx"
    assert sniff(io.BytesIO(office("other/thing.xml"))) is None  # a ZIP, not Office


def test_clean_filename_keeps_japanese_and_drops_folders():
    assert clean_filename("C:\\Users\\taro\\住民票.pdf") == "住民票.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename('a<b>:"c".pdf') == "a_b___c_.pdf"
    assert clean_filename("\x00\x1f") == "file"
    assert clean_filename("あ" * 300 + ".pdf").endswith(".pdf")


def test_png_named_pdf_is_refused_when_png_is_not_allowed(client, make_form):
    make_form(document(kinds=["pdf"]))
    response = _post(client, {}, [(PNG, "申請書.pdf")])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "申請書.pdf" in html and "PDF" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_renamed_program_is_refused(client, make_form):
    make_form(document())
    response = _post(client, {}, [(EXE, "写真.png")])
    assert response.status_code == 422
    assert "写真.png" in response.get_data(as_text=True)


def test_word_file_is_accepted_by_its_zip_structure(client, make_form):
    make_form(document(kinds=["docx"]))
    accepted = _post(client, {}, [(office("word/document.xml"), "計画書.docx")])
    assert accepted.status_code == 200
    refused = _post(client, {}, [(office("other/thing.xml"), "計画書.docx")])
    assert refused.status_code == 422


def test_too_large_empty_and_too_many_have_clear_messages(client, make_form):
    make_form(document(max_size_mb=1, max_files=2))
    large = _post(client, {}, [(PDF + b"0" * (1024 * 1024), "大きい.pdf")])
    assert large.status_code == 422
    assert "1 MB" in large.get_data(as_text=True)
    empty = _post(client, {}, [(b"", "空.pdf")])
    assert empty.status_code == 422 and "空.pdf" in empty.get_data(as_text=True)
    many = _post(client, {}, [(PDF, "a.pdf"), (PDF, "b.pdf"), (PDF, "c.pdf")])
    assert many.status_code == 422
    assert "2" in many.get_data(as_text=True)


def test_required_file_field_asks_for_a_file(client, make_form):
    make_form(document())
    response = _post(client, {}, [])
    assert response.status_code == 422


@pytest.mark.parametrize("overrides", [{"MAX_CONTENT_LENGTH": 1024 * 1024}])
def test_request_over_the_limit_gets_413(client, make_form, api, overrides):
    # the item allows 2 files of 1 MB: the request may carry them and 1 MB of answers
    form = make_form(document(max_size_mb=1, max_files=2))
    small = _post(client, {}, [(PDF + b"0" * 900_000, "a.pdf"), (PDF + b"0" * 900_000, "b.pdf")])
    assert small.status_code == 200  # larger than MAX_CONTENT_LENGTH, within the item's total
    huge = PDF + b"0" * (3 * 1024 * 1024 + 100)
    response = _post(client, {}, [(huge, "a.pdf")])
    assert response.status_code == 413
    assert "3 MB" in response.get_data(as_text=True)
    assert "大きすぎ" in response.get_data(as_text=True)
    data = {"data": "{}", "doc": (io.BytesIO(huge), "a.pdf")}
    answer = api.post(f"/api/v1/forms/{form.id}/records", data=data)
    assert answer.status_code == 413 and answer.is_json


# -------------------------------------------------------------- the public flow
def test_confirmation_lists_names_and_sizes_and_submit_attaches(client, make_form, app):
    form, record = _stored(client, make_form)
    row = db.session.scalars(sa.select(Attachment)).one()
    assert row.record_id == record.id and row.field_key == "doc"
    assert row.filename == "写真.png" and row.content_type == "image/png"
    assert row.size == len(PNG)
    column = {e["key"]: e["column"] for e in form.storage}["doc"]
    assert record.values[column] == [
        {"id": row.id, "name": "写真.png", "size": len(PNG), "type": "image/png"}
    ]
    # stored under a random name, outside the web root, not the citizen's name
    upload_dir = Path(app.config["ATSUME_UPLOAD_DIR"])
    stored = [p for p in upload_dir.rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes() == PNG
    assert re.fullmatch(r"[0-9a-f]{32}", stored[0].name)
    assert "写真" not in str(stored[0])
    assert not list((ROOT / "static").rglob(stored[0].name))


def test_confirmation_page_shows_the_file(client, make_form):
    make_form(document())
    html = _post(client, {}, [(PNG, "写真.png")]).get_data(as_text=True)
    assert "写真.png (1 KB)" in html
    assert len(_references(html)) == 1


def test_files_are_kept_when_another_item_needs_correcting(client, make_form):
    make_form(document())
    response = _post(client, {"f_name": ""}, [(PNG, "写真.png")])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "写真.png" in html and len(_references(html)) == 1  # a ticked box keeps it


def test_back_from_confirmation_keeps_the_file(client, make_form):
    make_form(document())
    confirm = _post(client, {}, [(PNG, "写真.png")]).get_data(as_text=True)
    data = {
        "f_name": "山田",
        "submission_token": _token(confirm),
        "action": "back",
        "f_doc": _references(confirm),
    }
    back = client.post("/f/hojokin", data=data).get_data(as_text=True)
    assert 'type="checkbox" name="f_doc"' in back and "写真.png" in back


def test_tampered_reference_cannot_attach_an_upload(client, make_form):
    make_form(document())
    confirm = _post(client, {}, [(PNG, "写真.png")]).get_data(as_text=True)
    reference = _references(confirm)[0]
    forged = reference[:-3] + ("AAA" if not reference.endswith("AAA") else "BBB")
    response = _submit(client, confirm.replace(reference, forged))
    assert response.status_code == 422
    assert "もう一度" in response.get_data(as_text=True) or "again" in response.get_data(
        as_text=True
    )
    assert db.session.scalars(sa.select(Attachment)).one().record_id is None


def test_reference_of_another_submission_or_form_is_refused(client, make_form, staff):
    form = make_form(document())
    other_doc = document()
    other_doc["slug"] = "betsu"
    make_form(other_doc)
    confirm = _post(client, {}, [(PNG, "写真.png")]).get_data(as_text=True)
    reference = _references(confirm)[0]
    # someone else's page (another submission token) sends the reference
    page = client.get("/f/hojokin").get_data(as_text=True)
    data = {"f_name": "他人", "submission_token": _token(page), "action": "submit"}
    stolen = client.post("/f/hojokin", data={**data, "f_doc": [reference]})
    assert stolen.status_code == 422
    # the same reference sent to another form
    page = client.get("/f/betsu").get_data(as_text=True)
    data = {"f_name": "他人", "submission_token": _token(confirm), "action": "submit"}
    elsewhere = client.post("/f/betsu", data={**data, "f_doc": [reference]})
    assert elsewhere.status_code == 422
    assert store.count(form) == 0


def test_an_attached_upload_cannot_be_attached_again(client, make_form):
    form = make_form(document())
    confirm = _post(client, {}, [(PNG, "写真.png")]).get_data(as_text=True)
    assert _submit(client, confirm).status_code == 303
    # a second submission (another token) re-using the reference is refused
    again = _submit(client, confirm.replace(_token(confirm), "f" * 32))
    assert again.status_code == 422
    assert store.count(form) == 1


# -------------------------------------------------------------- staff downloads
def _grant(make_user, other_department, form, granted, fields=None, name="reader"):
    user = make_user(name, dept=other_department)
    db.session.add(
        Grant(form_id=form.id, user_id=user.id, rights=sorted(granted), fields=fields or {})
    )
    db.session.commit()
    return user


def test_staff_downloads_with_safe_headers_and_audit(
    app, client, make_form, make_user, other_department
):
    form, record = _stored(client, make_form)
    row = db.session.scalars(sa.select(Attachment)).one()
    reader = _grant(make_user, other_department, form, {rights.VIEW_RECORDS})
    staff_client = app.test_client()
    log_in(staff_client, reader)
    detail = staff_client.get(f"/staff/forms/{form.id}/records/{record.id}")
    url = f"/staff/forms/{form.id}/records/{record.id}/files/{row.id}"
    assert url in detail.get_data(as_text=True)
    # the print layout lists the files too (paper copies say what came with the application)
    printed = staff_client.get(f"/staff/forms/{form.id}/records/{record.id}/print")
    assert printed.status_code == 200 and "写真.png" in printed.get_data(as_text=True)
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response.data == PNG
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%86%99%E7%9C%9F.png" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "record.file" in actions


def test_download_refused_for_hidden_field_other_form_and_no_right(
    app, client, make_form, make_user, other_department
):
    form, record = _stored(client, make_form)
    row = db.session.scalars(sa.select(Attachment)).one()
    url = f"/staff/forms/{form.id}/records/{record.id}/files/{row.id}"
    hidden = _grant(
        make_user, other_department, form, {rights.VIEW_RECORDS}, {"doc": rights.HIDDEN}, "h"
    )
    lister = _grant(make_user, other_department, form, {rights.ADD_RECORDS}, None, "adder")
    for user, statuses in ((hidden, {404}), (lister, {403, 404})):
        other = app.test_client()
        log_in(other, user)
        assert other.get(url).status_code in statuses
        if user is hidden:
            page = other.get(f"/staff/forms/{form.id}/records/{record.id}")
            assert "写真.png" not in page.get_data(as_text=True)
    # another form the reader may view does not reach this form's file
    second = document()
    second["slug"] = "hojokin-2"
    other_form = make_form(second)
    reader = _grant(make_user, other_department, other_form, {rights.VIEW_RECORDS}, None, "r2")
    other = app.test_client()
    log_in(other, reader)
    elsewhere = f"/staff/forms/{other_form.id}/records/{record.id}/files/{row.id}"
    assert other.get(elsewhere).status_code == 404
    assert other.get(url).status_code == 403


def test_zip_export_has_the_csv_and_files_per_receipt(
    app, client, make_form, make_user, other_department
):
    form, record = _stored(client, make_form, files=((PNG, "写真.png"),), max_files=3)
    exporter = _grant(
        make_user, other_department, form, {rights.VIEW_RECORDS, rights.EXPORT}, None, "ex"
    )
    staff_client = app.test_client()
    log_in(staff_client, exporter)
    response = staff_client.get(f"/staff/forms/{form.id}/records.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    csv_name = next(n for n in names if n.endswith(".csv"))
    text = archive.read(csv_name).decode("utf-8-sig")
    assert "写真.png" in text and record.receipt_no in text
    assert archive.read(f"{record.receipt_no}/写真.png") == PNG
    # without the export right: refused
    viewer = _grant(make_user, other_department, form, {rights.VIEW_RECORDS}, None, "viewer")
    other = app.test_client()
    log_in(other, viewer)
    assert other.get(f"/staff/forms/{form.id}/records.zip").status_code == 403


def test_zip_leaves_out_hidden_fields_files(app, client, make_form, make_user, other_department):
    form, record = _stored(client, make_form)
    user = _grant(
        make_user,
        other_department,
        form,
        {rights.VIEW_RECORDS, rights.EXPORT},
        {"doc": rights.HIDDEN},
        "ex",
    )
    staff_client = app.test_client()
    log_in(staff_client, user)
    archive = zipfile.ZipFile(
        io.BytesIO(staff_client.get(f"/staff/forms/{form.id}/records.zip").data)
    )
    assert [n for n in archive.namelist() if not n.endswith(".csv")] == []
    assert "写真" not in archive.read(archive.namelist()[0]).decode("utf-8-sig")


def test_csv_shows_file_names(client, make_form, staff, login):
    form, record = _stored(client, make_form)
    login(staff)
    text = client.get(f"/staff/forms/{form.id}/records.csv").get_data(as_text=True)
    assert "写真.png" in text
    listing = client.get(f"/staff/forms/{form.id}/records")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "写真.png (1 KB)" in html
    assert f"/staff/forms/{form.id}/records.zip" in html


# -------------------------------------------------------------- API
def test_api_multipart_stores_files_and_lists_them(api, make_form):
    form = make_form(document(max_files=2))
    data = {
        "data": '{"name": "山田"}',
        "doc": [(io.BytesIO(PDF), "申請書.pdf"), (io.BytesIO(PNG), "写真.png")],
    }
    response = api.post(f"/api/v1/forms/{form.id}/records", data=data)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["values"]["doc"][0]["filename"] == "申請書.pdf"
    files = body["attachments"]
    assert [f["filename"] for f in files] == ["申請書.pdf", "写真.png"]
    assert files[0]["content_type"] == "application/pdf" and files[0]["size"] == len(PDF)
    download = api.get(files[1]["url"])
    assert download.status_code == 200 and download.data == PNG
    again = api.get(f"/api/v1/forms/{form.id}/records/{body['id']}").get_json()
    assert [f["id"] for f in again["attachments"]] == [f["id"] for f in files]


def test_api_refuses_wrong_kind_and_json_for_files(api, make_form):
    form = make_form(document())
    bad = api.post(
        f"/api/v1/forms/{form.id}/records",
        data={"data": '{"name": "山田"}', "doc": (io.BytesIO(EXE), "a.pdf")},
    )
    assert bad.status_code == 422 and "doc" in bad.get_json()["errors"]
    as_json = api.post(f"/api/v1/forms/{form.id}/records", json={"name": "山田", "doc": "x"})
    assert as_json.status_code == 422
    wrong_field = api.post(
        f"/api/v1/forms/{form.id}/records",
        data={"data": '{"name": "山田"}', "name": (io.BytesIO(PDF), "a.pdf")},
    )
    assert wrong_field.status_code == 422
    assert store.count(form) == 0


def test_api_json_without_files_still_works(api, make_form):
    form = make_form(document(required=False))
    response = api.post(f"/api/v1/forms/{form.id}/records", json={"name": "山田"})
    assert response.status_code == 201
    assert response.get_json()["attachments"] == []


def test_api_download_needs_the_view_right(app, api, make_form, make_user, other_department):
    form = make_form(document())
    body = api.post(
        f"/api/v1/forms/{form.id}/records",
        data={"data": '{"name": "山田"}', "doc": (io.BytesIO(PDF), "a.pdf")},
    ).get_json()
    url = body["attachments"][0]["url"]
    adder = _grant(make_user, other_department, form, {rights.ADD_RECORDS}, None, "adder")
    headers = {"Authorization": f"Bearer {create_token(adder)}"}
    assert app.test_client().get(url, headers=headers).status_code == 403


# -------------------------------------------------------------- purge
def test_purge_deletes_old_unattached_uploads_only(client, make_form, app, runner):
    form, record = _stored(client, make_form)
    _post(client, {}, [(PDF, "放置.pdf")])  # held, never submitted
    rows = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
    attached, waiting = rows
    upload_dir = Path(app.config["ATSUME_UPLOAD_DIR"])
    assert len([p for p in upload_dir.rglob("*") if p.is_file()]) == 2
    assert purge.unattached() == 0  # not a day old yet
    waiting.created_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=2)
    attached.created_at = waiting.created_at
    db.session.commit()
    result = runner.invoke(args=["atsume", "purge-uploads"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 unattached" in result.output
    remaining = db.session.scalars(sa.select(Attachment)).all()
    assert [r.id for r in remaining] == [attached.id]
    files = [p for p in upload_dir.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == PNG


def test_staff_enters_a_paper_application_with_its_scan(client, make_form, staff, login):
    form = make_form(document())
    login(staff)
    page = client.get(f"/staff/forms/{form.id}/records/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    data = {
        "f_name": "窓口 太郎",
        "submission_token": _token(page),
        "f_doc": [(io.BytesIO(PDF), "申請書スキャン.pdf")],
    }
    response = client.post(
        f"/staff/forms/{form.id}/records/new", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    row = db.session.scalars(sa.select(Attachment)).one()
    assert row.record_id == store.query(form, []).records[0].id
    assert row.filename == "申請書スキャン.pdf"


def test_form_without_confirmation_page_stores_the_file_at_once(client, make_form):
    doc = document()
    doc["settings"] = {"confirm_page": False}
    form = make_form(doc)
    response = _post(client, {}, [(PDF, "申請書.pdf")], action="submit")
    assert response.status_code == 303
    row = db.session.scalars(sa.select(Attachment)).one()
    assert row.record_id == store.query(form, []).records[0].id


def test_designer_palette_offers_the_file_item_with_its_settings():
    from builder.palette import describe

    entry = next(p for p in describe() if p["name"] == "file")
    settings = {s["name"]: s for s in entry["settings"]}
    assert settings["max_size_mb"]["max"] == 20 and settings["max_size_mb"]["default"] == 5
    assert settings["max_files"]["max"] == 5 and settings["max_files"]["default"] == 1
    assert settings["kinds"]["widget"] == "options_multi"
    assert settings["kinds"]["default_list"] == ["pdf", "jpeg", "png"]
    assert [o[0] for o in settings["kinds"]["options"]] == [
        "pdf",
        "jpeg",
        "png",
        "heic",
        "docx",
        "xlsx",
    ]


@pytest.mark.parametrize(
    "settings", [{"max_size_mb": 21}, {"max_files": 6}, {"kinds": []}, {"kinds": ["exe"]}]
)
def test_out_of_range_settings_are_refused(settings):
    from builder import definition as definitions

    with pytest.raises(definitions.DefinitionError):
        definitions.load(document(**settings))


def test_a_changed_staff_answer_keeps_only_its_new_files(client, make_form, staff, login):
    doc = document()
    doc["settings"] = {"audience": "staff", "one_answer_per_person": True, "confirm_page": False}
    form = make_form(doc)
    login(staff)
    assert _post(client, {}, [(PDF, "初回.pdf")], action="submit").status_code == 303
    assert _post(client, {}, [(PNG, "差し替え.png")], action="submit").status_code == 303
    assert store.count(form) == 1
    record = store.query(form, []).records[0]
    rows = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
    assert [(r.filename, r.record_id) for r in rows] == [
        ("初回.pdf", None),  # unattached: purged with the other unattached uploads
        ("差し替え.png", record.id),
    ]
