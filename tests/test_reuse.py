"""Starting forms (blank, samples, templates), copies, templates and published versions."""

from __future__ import annotations

import copy
import re

import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.forms.published import published_definition
from app.models import Form, Template
from app.records import store
from app.records.submission import submit
from app.seed import sample_documents
from tests.conftest import ELECTION, log_in

SAMPLE_TITLES = ("選挙事務スタッフ募集", "職員アンケート", "市主催イベント参加申込")
NO_TITLE = "新しいフォームのタイトルを入力してください。"
RESTORE_CONFLICT = "この間に他の人が下書きを保存しました。内容を確認してから復元してください。"


def _forms() -> list[Form]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Form).order_by(Form.id)))


def _fresh(form_id) -> Form:
    db.session.expire_all()
    return db.session.get(Form, form_id)


def _designer_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/staff/forms/(\d+)/designer", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _keys(document) -> list[str]:
    out = []
    for item in document["fields"]:
        out.append(item["key"])
        if item["type"] == "section":
            out.extend(child["key"] for child in item["fields"])
    return out


def _labels(document) -> dict[str, str]:
    return {f["key"]: f["label"] for f in document["fields"]}


def _gallery_ids(client) -> dict[str, str]:
    """Title -> start value of every entry offered on the new-form page."""
    html = client.get("/staff/forms/new").get_data(as_text=True)
    return dict(
        (title.strip(), value)
        for value, title in re.findall(
            r'<input type="radio" name="start" value="([^"]+)">\s*'
            r'<span class="gallery-title">([^<]*)',
            html,
        )
    )


# -- the gallery and starting a form -----------------------------------------------------------


def test_gallery_offers_a_blank_form_the_samples_and_saved_templates(staff_client, make_form):
    entries = _gallery_ids(staff_client)
    assert entries["選挙事務スタッフ募集"] == "sample-0"
    assert [entries[t] for t in SAMPLE_TITLES] == ["sample-0", "sample-1", "sample-2"]
    assert 'value="blank"' in staff_client.get("/staff/forms/new").get_data(as_text=True)

    form = make_form()
    response = staff_client.post(
        f"/staff/forms/{form.id}/save-template",
        data={"title": "募集フォームのひな形", "description": "毎年使う"},
    )
    assert response.status_code == 302
    entries = _gallery_ids(staff_client)
    assert set(SAMPLE_TITLES) | {"募集フォームのひな形"} <= set(entries)


def test_blank_form_is_created_as_a_draft_and_opens_the_designer(staff_client, staff):
    response = staff_client.post(
        "/staff/forms/new", data={"start": "blank", "title": "防災訓練 参加申込"}
    )
    form = _fresh(_designer_of(response))
    assert form.title == form.draft["title"] == "防災訓練 参加申込"
    assert not form.is_published
    assert form.department_id == staff.department_id
    assert [f["type"] for f in form.draft["fields"]] == ["text"]
    assert staff_client.get(f"/staff/forms/{form.id}/designer").status_code == 200
    assert staff_client.get(f"/f/{form.slug}").status_code == 404  # not public yet


def test_blank_form_without_a_title_is_refused(staff_client):
    response = staff_client.post("/staff/forms/new", data={"start": "blank", "title": "   "})
    assert response.status_code == 422
    assert NO_TITLE in response.get_data(as_text=True)
    assert _forms() == []


def test_too_long_title_is_refused(staff_client):
    response = staff_client.post("/staff/forms/new", data={"start": "blank", "title": "長" * 201})
    assert response.status_code == 422
    assert "タイトルを200文字以内で入力してください。" in response.get_data(as_text=True)
    assert _forms() == []


def test_start_from_the_election_sample(staff_client):
    sample = sample_documents()[0]
    response = staff_client.post("/staff/forms/new", data={"start": "sample-0", "title": ""})
    form = _fresh(_designer_of(response))
    assert form.title == "選挙事務スタッフ募集"
    assert _keys(form.draft) == _keys(sample)
    assert form.slug != sample["slug"]
    assert not form.is_published

    # twice is fine: each copy gets its own address, and a title may be given
    again = staff_client.post(
        "/staff/forms/new", data={"start": "sample-0", "title": "令和8年 選挙"}
    )
    second = _fresh(_designer_of(again))
    assert second.title == "令和8年 選挙"
    assert second.slug != form.slug


def test_administrator_without_a_department_chooses_where_the_form_goes(
    client, make_user, department
):
    admin = make_user("root", admin=True, dept=None)
    log_in(client, admin)
    page = client.get("/staff/forms/new").get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)"', page)
    assert options == [str(department.id)]

    response = client.post(
        "/staff/forms/new",
        data={"start": "blank", "title": "全庁アンケート", "department_id": options[0]},
    )

    form = _fresh(_designer_of(response))
    assert form.department_id == department.id


def test_start_from_an_unknown_entry_is_404(staff_client):
    response = staff_client.post("/staff/forms/new", data={"start": "sample-99", "title": "x"})
    assert response.status_code == 404
    assert _forms() == []


# -- copies -----------------------------------------------------------------------------------


def test_duplicate_within_the_department(staff_client, staff, make_form):
    form = make_form()
    submit(form, published_definition(form), {"name": "一関 太郎", "age": 30})
    page = staff_client.get(f"/staff/forms/{form.id}/duplicate")
    assert page.status_code == 200

    response = staff_client.post(
        f"/staff/forms/{form.id}/duplicate", data={"title": "選挙事務スタッフ募集（参院選）"}
    )

    copy_ = _fresh(_designer_of(response))
    assert copy_.id != form.id
    assert copy_.title == "選挙事務スタッフ募集（参院選）"
    assert _keys(copy_.draft) == _keys(form.draft)
    assert [f["type"] for f in copy_.draft["fields"]] == [f["type"] for f in form.draft["fields"]]
    assert copy_.draft["fields"][2]["choices"] == form.draft["fields"][2]["choices"]
    assert copy_.slug != form.slug
    assert copy_.department_id == staff.department_id
    assert not copy_.is_published and copy_.versions == []
    # its records are its own: none when it is published
    operations.publish(copy_, staff)
    assert store.count(copy_) == 0
    assert store.count(_fresh(form.id)) == 1


def test_duplicate_with_an_empty_title_is_refused(staff_client, make_form):
    form = make_form()
    response = staff_client.post(f"/staff/forms/{form.id}/duplicate", data={"title": ""})
    assert response.status_code == 422
    assert len(_forms()) == 1


def test_an_administrator_may_copy_into_another_department(
    client, make_user, make_form, other_department
):
    form = make_form()
    admin = log_in(client, make_user("admin", admin=True))
    page = client.get(f"/staff/forms/{form.id}/duplicate").get_data(as_text=True)
    assert f'<option value="{other_department.id}"' in page
    response = admin.post(
        f"/staff/forms/{form.id}/duplicate",
        data={"title": "教育委員会の募集", "department_id": other_department.id},
    )
    copy_ = _fresh(_designer_of(response))
    assert copy_.department_id == other_department.id
    assert _keys(copy_.draft) == _keys(form.draft)


def test_staff_cannot_copy_into_a_department_they_do_not_belong_to(
    staff_client, make_form, other_department
):
    form = make_form()
    page = staff_client.get(f"/staff/forms/{form.id}/duplicate").get_data(as_text=True)
    assert f'value="{other_department.id}"' not in page
    response = staff_client.post(
        f"/staff/forms/{form.id}/duplicate",
        data={"title": "横取り", "department_id": other_department.id},
    )
    assert response.status_code == 403
    assert len(_forms()) == 1
    blank = staff_client.post(
        "/staff/forms/new",
        data={"start": "blank", "title": "横取り", "department_id": other_department.id},
    )
    assert blank.status_code == 403
    assert len(_forms()) == 1


def test_staff_of_another_department_cannot_copy_a_form(client, other_staff, make_form):
    form = make_form()
    log_in(client, other_staff)
    assert client.get(f"/staff/forms/{form.id}/duplicate").status_code == 403
    assert client.post(f"/staff/forms/{form.id}/duplicate", data={"title": "x"}).status_code == 403
    assert len(_forms()) == 1


# -- templates --------------------------------------------------------------------------------


def test_department_and_shared_templates(app, staff_client, make_user, other_staff, make_form):
    form = make_form()
    assert (
        staff_client.post(
            f"/staff/forms/{form.id}/save-template",
            data={"title": "課内のひな形", "description": "選挙管理委員会だけ"},
        ).status_code
        == 302
    )
    assert (
        staff_client.post(
            f"/staff/forms/{form.id}/save-template",
            data={"title": "全庁のひな形", "description": "どの課でも", "shared": "1"},
        ).status_code
        == 302
    )

    templates = {t.title: t for t in db.session.scalars(sa.select(Template))}
    assert templates["課内のひな形"].department_id == form.department_id
    assert templates["全庁のひな形"].department_id is None
    assert _keys(templates["全庁のひな形"].document) == _keys(form.draft)
    assert "slug" not in templates["全庁のひな形"].document

    colleague = log_in(app.test_client(), make_user("colleague"))
    assert {"課内のひな形", "全庁のひな形"} <= set(_gallery_ids(colleague))

    outsider = log_in(app.test_client(), other_staff)
    offered = _gallery_ids(outsider)
    assert "全庁のひな形" in offered
    assert "課内のひな形" not in offered
    # nor can the department-only template be used by guessing its id
    hidden_id = str(templates["課内のひな形"].id)
    assert (
        outsider.post("/staff/forms/new", data={"start": hidden_id, "title": "x"}).status_code
        == 404
    )

    response = outsider.post(
        "/staff/forms/new", data={"start": offered["全庁のひな形"], "title": "教育委員会の募集"}
    )
    started = _fresh(_designer_of(response))
    assert started.department_id == other_staff.department_id
    assert started.title == "教育委員会の募集"
    assert _keys(started.draft) == _keys(form.draft)


def test_start_from_a_saved_template_keeps_its_items(staff_client, make_form):
    form = make_form()
    document = copy.deepcopy(form.draft)
    document["fields"].append({"key": "memo", "type": "textarea", "label": "備考"})
    operations.save_draft(form, document, form.draft_revision)
    assert (
        staff_client.post(
            f"/staff/forms/{form.id}/save-template", data={"title": "備考つき"}
        ).status_code
        == 302
    )

    response = staff_client.post(
        "/staff/forms/new", data={"start": _gallery_ids(staff_client)["備考つき"], "title": ""}
    )

    started = _fresh(_designer_of(response))
    assert _keys(started.draft) == ["name", "age", "ward", "days", "memo"]
    assert started.title == ELECTION["title"]
    assert started.slug != form.slug
    assert not started.is_published


def test_template_needs_a_name(staff_client, make_form):
    form = make_form()
    response = staff_client.post(f"/staff/forms/{form.id}/save-template", data={"title": " "})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Template)) == 0


# -- published versions -----------------------------------------------------------------------


def _publish_relabelled(form, user, label):
    document = copy.deepcopy(form.draft)
    document["fields"][0]["label"] = label
    operations.save_draft(form, document, form.draft_revision)
    return operations.publish(form, user)


def test_versions_page_lists_every_published_version(staff_client, staff, make_form):
    form = make_form()
    _publish_relabelled(form, staff, "お名前")
    _publish_relabelled(form, staff, "ご氏名")

    response = staff_client.get(f"/staff/forms/{form.id}/versions")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    restorable = re.findall(rf"/staff/forms/{form.id}/versions/(\d+)/restore", html)
    viewable = re.findall(rf"/staff/forms/{form.id}/versions/(\d+)/preview", html)
    assert restorable == viewable == ["3", "2", "1"]  # newest first
    assert html.count('class="badge badge--ok"') == 1  # the one being served: version 3
    assert html.index('class="badge badge--ok"') < html.index("/versions/3/preview")


def test_restore_makes_an_old_version_the_draft_but_public_form_waits(
    app, staff_client, staff, make_form
):
    citizen = app.test_client()
    form = make_form()
    _publish_relabelled(form, staff, "お名前")
    # the address was changed after version 1: restoring must not bring the old one back
    stored = _fresh(form.id)
    operations.save_draft(stored, dict(stored.draft, slug="senkyo-2026"), stored.draft_revision)
    assert "お名前" in citizen.get("/f/senkyo-2026").get_data(as_text=True)
    revision = _fresh(form.id).draft_revision

    response = staff_client.post(
        f"/staff/forms/{form.id}/versions/1/restore", data={"revision": revision}
    )

    assert _designer_of(response) == form.id
    stored = _fresh(form.id)
    assert _labels(stored.draft)["name"] == "氏名"
    assert stored.draft_revision == revision + 1
    assert stored.slug == stored.draft["slug"] == "senkyo-2026"
    public = citizen.get("/f/senkyo-2026").get_data(as_text=True)
    assert "お名前" in public  # still version 2 until the draft is published

    operations.publish(stored, staff)
    public = citizen.get("/f/senkyo-2026").get_data(as_text=True)
    assert "お名前" not in public and "氏名" in public


def test_restore_with_a_stale_revision_is_refused(staff_client, staff, make_form):
    form = make_form()
    _publish_relabelled(form, staff, "お名前")
    page = staff_client.get(f"/staff/forms/{form.id}/versions").get_data(as_text=True)
    seen_revision = int(re.search(r'name="revision" value="(\d+)"', page).group(1))
    # meanwhile a colleague edits the draft
    stored = _fresh(form.id)
    document = copy.deepcopy(stored.draft)
    document["fields"][0]["label"] = "編集中"
    operations.save_draft(stored, document, stored.draft_revision)

    response = staff_client.post(
        f"/staff/forms/{form.id}/versions/1/restore",
        data={"revision": seen_revision},
        follow_redirects=True,
    )

    assert response.request.path == f"/staff/forms/{form.id}/versions"
    assert RESTORE_CONFLICT in response.get_data(as_text=True)
    assert _labels(_fresh(form.id).draft)["name"] == "編集中"


def test_restore_of_an_unknown_version_is_404(staff_client, make_form):
    form = make_form()
    before = copy.deepcopy(form.draft)
    response = staff_client.post(
        f"/staff/forms/{form.id}/versions/7/restore", data={"revision": form.draft_revision}
    )
    assert response.status_code == 404
    assert _fresh(form.id).draft == before


def test_versions_of_another_department_are_refused(client, other_staff, make_form):
    form = make_form()
    log_in(client, other_staff)
    assert client.get(f"/staff/forms/{form.id}/versions").status_code == 403
    assert (
        client.post(
            f"/staff/forms/{form.id}/versions/1/restore", data={"revision": form.draft_revision}
        ).status_code
        == 403
    )
