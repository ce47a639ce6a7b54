"""The designer: page and palette, saving the draft, reordering, publishing, previews, rights."""

from __future__ import annotations

import copy
import html as html_lib
import json
import re

import pytest
import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from app.extensions import db
from app.models import Form, FormVersion
from builder.fields import BUILTIN_TYPES, Registry, registry
from builder.fields.base import FieldType
from builder.palette import describe
from tests.conftest import PASSWORD, log_in

CONFLICT = "このページを開いた後に、他の人がこのフォームを保存しました。"
BAD_LAYOUT = "並び順がフォームの内容と合いません。ページを再読み込みしてください。"
PREVIEW_BANNER = "プレビュー：入力しても送信されません。"

WITH_SECTION = {
    "title": "イベント申込",
    "slug": "event-sections",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {"key": "age", "type": "number", "label": "年齢"},
        {
            "key": "contact",
            "type": "section",
            "label": "連絡先",
            "fields": [
                {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉"]},
            ],
        },
        {"key": "extra", "type": "section", "label": "その他", "fields": []},
        {"key": "days", "type": "checkboxes", "label": "希望日", "choices": ["d1", "d2"]},
    ],
}


def _bootstrap(client, form_id) -> dict:
    response = client.get(f"/staff/forms/{form_id}/designer")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    match = re.search(
        r'<script id="designer-data" type="application/json">(.*?)</script>', text, re.S
    )
    assert match, "the designer page embeds its data"
    return json.loads(match.group(1))


def _fresh(form_id) -> Form:
    """The form as stored now (not as this test's session remembers it)."""
    db.session.expire_all()
    return db.session.get(Form, form_id)


def _labels(document) -> dict[str, str]:
    out = {}
    for item in document["fields"]:
        out[item["key"]] = item.get("label")
        for child in item.get("fields", []) if item["type"] == "section" else []:
            out[child["key"]] = child.get("label")
    return out


def _layout(document) -> dict[str, list[str]]:
    out = {"root": []}
    for item in document["fields"]:
        out["root"].append(item["key"])
        if item["type"] == "section":
            out[item["key"]] = [child["key"] for child in item["fields"]]
    return out


def _save(client, form, document, revision=None):
    return client.put(
        f"/staff/forms/{form.id}/designer/draft",
        json={
            "document": document,
            "revision": form.draft_revision if revision is None else revision,
        },
    )


def _relabel(document, key, label):
    document = copy.deepcopy(document)
    for item in document["fields"]:
        for candidate in [item, *(item.get("fields", []) if item["type"] == "section" else [])]:
            if candidate["key"] == key:
                candidate["label"] = label
    return document


# -- the page and its palette -----------------------------------------------------------------


def test_designer_page_embeds_draft_revision_and_palette_of_every_type(staff_client, make_form):
    form = make_form(publish=False)
    data = _bootstrap(staff_client, form.id)

    assert data["document"] == form.draft
    assert data["form"]["revision"] == form.draft_revision
    assert data["form"]["slug"] == form.slug
    assert data["form"]["published_version"] is None
    assert data["can_publish"] is True
    assert data["urls"]["save"] == f"/staff/forms/{form.id}/designer/draft"

    palette = {entry["name"]: entry for entry in data["palette"]}
    assert list(palette) == [*registry.names(), "section"]
    for entry in data["palette"]:
        assert entry["label"] and entry["settings"], entry["name"]

    def settings(name):
        return {s["name"]: s for s in palette[name]["settings"]}

    for entry in data["palette"][:-1]:  # every field type asks for its question first
        assert entry["settings"][0]["name"] == "label"
        assert "type" not in settings(entry["name"])
    number = settings("number")
    assert {"min", "max", "decimals", "unit"} <= set(number)
    assert number["min"]["widget"] == number["max"]["widget"] == "number"
    assert number["decimals"]["widget"] == "integer"
    assert (number["decimals"]["min"], number["decimals"]["max"]) == (0, 6)
    assert settings("radio")["choices"]["widget"] == "choices"
    assert settings("radio")["choices"]["required"] is True
    kana = settings("text")["kana"]
    assert kana["widget"] == "select"
    assert [value for value, _label in kana["options"]] == ["", "katakana", "hiragana"]
    assert all(label for _value, label in kana["options"])
    assert [s["name"] for s in palette["section"]["settings"]] == [
        "label",
        "help",
        "page",
        "show_if",
    ]
    assert settings("radio")["show_if"]["widget"] == "conditions"
    # labels are translated for the (Japanese) page
    assert settings("radio")["choices"]["label"] == "選択肢"


def test_a_new_field_type_reaches_the_palette_without_designer_changes(app):
    class RatingSettings(Schema):
        stars = fields.Integer(
            load_default=5,
            validate=validate.Range(min=1, max=10),
            metadata={"label": "Number of stars"},
        )
        shape = fields.String(
            load_default="star",
            metadata={"label": "Shape", "options": [("star", "Star"), ("heart", "Heart")]},
        )
        low_label = fields.String(
            load_default="", metadata={"label": "Word for 1", "advanced": True}
        )

    class RatingType(FieldType):
        name = "rating"
        label = "Rating"
        icon = "star"
        settings_schema = RatingSettings

    types = Registry([*BUILTIN_TYPES, RatingType])
    palette = {entry["name"]: entry for entry in describe(types)}

    assert list(palette) == [*registry.names(), "rating", "section"]
    rating = palette["rating"]
    assert rating["label"] == "Rating" and rating["icon"] == "star"
    settings = {s["name"]: s for s in rating["settings"]}
    assert [s["name"] for s in rating["settings"]][:3] == ["label", "help", "required"]
    assert settings["stars"]["widget"] == "integer"
    assert (settings["stars"]["min"], settings["stars"]["max"]) == (1, 10)
    assert settings["shape"]["widget"] == "select"
    assert settings["shape"]["options"] == [["star", "Star"], ["heart", "Heart"]]
    assert settings["low_label"]["advanced"] is True
    # the product's own registry is untouched
    assert "rating" not in {entry["name"] for entry in describe()}


# -- saving the draft -------------------------------------------------------------------------


def test_save_bumps_the_revision_and_returns_the_stored_document(staff_client, make_form):
    form = make_form(publish=False)
    revision = form.draft_revision
    document = _relabel(form.draft, "age", "ご年齢")
    document["fields"].append({"type": "email", "label": "メールアドレス"})

    response = _save(staff_client, form, document)

    assert response.status_code == 200
    body = response.get_json()
    assert body["form"]["revision"] == revision + 1
    saved = body["document"]
    assert _labels(saved)["age"] == "ご年齢"
    new_key = saved["fields"][-1]["key"]
    assert re.fullmatch(r"f_[0-9a-f]{6}", new_key)  # a key is generated once for a new field
    stored = _fresh(form.id)
    assert stored.draft_revision == revision + 1
    assert stored.draft == saved
    assert _bootstrap(staff_client, form.id)["document"] == saved


def test_second_editor_with_an_old_revision_is_refused_and_first_change_kept(
    staff_client, app, make_user, make_form
):
    form = make_form(publish=False)
    colleague = log_in(app.test_client(), make_user("colleague"))
    mine = _bootstrap(staff_client, form.id)
    theirs = _bootstrap(colleague, form.id)
    assert mine["form"]["revision"] == theirs["form"]["revision"]

    first = _save(
        staff_client, form, _relabel(mine["document"], "name", "お名前"), mine["form"]["revision"]
    )
    second = _save(
        colleague,
        form,
        _relabel(theirs["document"], "name", "名前（漢字）"),
        theirs["form"]["revision"],
    )

    assert first.status_code == 200
    assert second.status_code == 409
    assert CONFLICT in second.get_json()["error"]
    stored = _fresh(form.id)
    assert _labels(stored.draft)["name"] == "お名前"
    assert stored.draft_revision == mine["form"]["revision"] + 1


def test_invalid_draft_is_422_with_paths_to_each_problem_and_nothing_saved(staff_client, make_form):
    form = make_form(publish=False)
    before, revision = copy.deepcopy(form.draft), form.draft_revision
    document = {
        "title": "壊れた下書き",
        "fields": [
            {"key": "name", "type": "text", "label": "氏名"},
            {"key": "ward", "type": "radio", "label": "地区", "choices": []},
            {"key": "age", "type": "number", "label": "年齢", "min": 99, "max": 18},
            {"key": "photo", "type": "hologram", "label": "写真"},
            {"key": "name", "type": "text", "label": "氏名（再）"},
        ],
    }

    response = _save(staff_client, form, document)

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]
    problems = {p["path"]: p for p in body["problems"]}
    assert set(problems) == {"fields.1.choices", "fields.2.min", "fields.3.type", "fields.4.key"}
    assert problems["fields.2.min"]["message"] == "最小値が最大値より大きくなっています。"
    assert problems["fields.3.type"]["message"] == "「hologram」という項目の種類はありません。"
    assert problems["fields.4.key"]["message"] == "キー「name」は別の項目で使われています。"
    assert problems["fields.1.choices"]["message"]
    assert "年齢" in problems["fields.2.min"]["where"]  # people see which item it is
    stored = _fresh(form.id)
    assert stored.draft == before
    assert stored.draft_revision == revision


def test_problem_inside_a_section_points_into_the_section(staff_client, make_form):
    form = make_form(WITH_SECTION, publish=False)
    document = copy.deepcopy(form.draft)
    document["fields"][2]["fields"][0]["choices"] = []
    response = _save(staff_client, form, document)
    assert response.status_code == 422
    assert [p["path"] for p in response.get_json()["problems"]] == ["fields.2.fields.0.choices"]


@pytest.mark.parametrize(
    "body",
    [
        {"revision": 1},
        {"document": {"title": "x", "fields": []}},
        {"document": "not an object", "revision": 1},
        {"document": {"title": "x", "fields": []}, "revision": "1"},
        None,
    ],
)
def test_save_without_document_or_revision_is_400(staff_client, make_form, body):
    form = make_form(publish=False)
    before = copy.deepcopy(form.draft)
    if body is None:
        response = staff_client.put(
            f"/staff/forms/{form.id}/designer/draft",
            data="{not json",
            content_type="application/json",
        )
    else:
        response = staff_client.put(f"/staff/forms/{form.id}/designer/draft", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert _fresh(form.id).draft == before


# -- reordering -------------------------------------------------------------------------------


def _order(client, form, layout, revision=None):
    return client.post(
        f"/staff/forms/{form.id}/designer/order",
        json={"layout": layout, "revision": form.draft_revision if revision is None else revision},
    )


def test_reorder_moves_items_into_and_out_of_sections(staff_client, make_form):
    form = make_form(WITH_SECTION, publish=False)
    revision = form.draft_revision

    into = _order(
        staff_client,
        form,
        {"root": ["days", "contact", "name", "extra"], "contact": ["ward", "age"], "extra": []},
    )
    assert into.status_code == 200, into.get_json()
    assert into.get_json()["form"]["revision"] == revision + 1
    stored = _fresh(form.id)
    assert _layout(stored.draft) == {
        "root": ["days", "contact", "name", "extra"],
        "contact": ["ward", "age"],
        "extra": [],
    }
    assert into.get_json()["document"] == stored.draft
    # the items keep their settings when they move
    section = stored.draft["fields"][1]
    assert section["label"] == "連絡先"
    assert [c["value"] for c in section["fields"][0]["choices"]] == ["一関", "花泉"]

    out = _order(
        staff_client,
        stored,
        {"root": ["ward", "days", "contact", "name", "extra"], "contact": [], "extra": ["age"]},
    )
    assert out.status_code == 200, out.get_json()
    stored = _fresh(form.id)
    assert _layout(stored.draft) == {
        "root": ["ward", "days", "contact", "name", "extra"],
        "contact": [],
        "extra": ["age"],
    }
    assert stored.draft_revision == revision + 2


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(
            {"root": ["name", "age", "contact", "extra"], "contact": ["ward"], "extra": []},
            id="drops-an-item",
        ),
        pytest.param(
            {
                "root": ["name", "age", "contact", "extra", "days", "days"],
                "contact": ["ward"],
                "extra": [],
            },
            id="duplicates-an-item",
        ),
        pytest.param(
            {"root": ["name", "age", "contact", "days"], "contact": ["ward", "extra"], "extra": []},
            id="section-in-a-section",
        ),
        pytest.param(
            {
                "root": ["name", "age", "contact", "extra"],
                "contact": ["ward"],
                "extra": [],
                "nowhere": ["days"],
            },
            id="unknown-container",
        ),
        pytest.param({"contact": ["ward"], "extra": ["name", "age", "days"]}, id="no-root"),
        pytest.param(
            {
                "root": ["name", "age", "contact", "extra", "days", "ghost"],
                "contact": ["ward"],
                "extra": [],
            },
            id="unknown-item",
        ),
        pytest.param(
            {
                "root": ["name", "age", "contact", "extra", "days", 7],
                "contact": ["ward"],
                "extra": [],
            },
            id="not-a-key",
        ),
    ],
)
def test_reorder_refuses_a_layout_that_does_not_match_the_form(staff_client, make_form, layout):
    form = make_form(WITH_SECTION, publish=False)
    before, revision = copy.deepcopy(form.draft), form.draft_revision
    response = _order(staff_client, form, layout)
    assert response.status_code == 400
    assert response.get_json()["error"]
    stored = _fresh(form.id)
    assert stored.draft == before and stored.draft_revision == revision


def test_reorder_bad_layout_message(staff_client, make_form):
    form = make_form(WITH_SECTION, publish=False)
    response = _order(staff_client, form, {"root": ["name"]})
    assert response.get_json()["error"] == BAD_LAYOUT


def test_reorder_with_a_stale_revision_is_409(staff_client, make_form):
    form = make_form(WITH_SECTION, publish=False)
    old = form.draft_revision
    assert _save(staff_client, form, _relabel(form.draft, "name", "お名前")).status_code == 200
    before = copy.deepcopy(_fresh(form.id).draft)
    response = _order(
        staff_client,
        form,
        {"root": ["days", "name", "age", "contact", "extra"], "contact": ["ward"], "extra": []},
        old,
    )
    assert response.status_code == 409
    assert CONFLICT in response.get_json()["error"]
    assert _fresh(form.id).draft == before


# -- what publishing changes, publishing ------------------------------------------------------


def test_changes_list_what_publishing_would_do(staff_client, make_form):
    form = make_form()
    document = copy.deepcopy(form.draft)
    document["fields"] = [f for f in document["fields"] if f["key"] != "days"]  # removed
    for item in document["fields"]:
        if item["key"] == "name":
            item["label"] = "お名前"  # relabelled
        if item["key"] == "age":
            item.clear()
            item.update(key="age", type="text", label="年齢")  # retyped: number -> text
    document["fields"].append({"key": "email", "type": "email", "label": "メール"})  # added
    assert _save(staff_client, form, document).status_code == 200

    response = staff_client.get(f"/staff/forms/{form.id}/designer/changes")

    assert response.status_code == 200
    body = response.get_json()
    assert body["first_publication"] is False
    actions = {(c["action"], c["key"]) for c in body["changes"]}
    assert actions == {
        ("added", "email"),
        ("retired", "days"),
        ("retyped", "age"),
        ("relabelled", "name"),
    }
    assert all(c["title"] and c["label"] for c in body["changes"])
    # looking does not publish
    assert _fresh(form.id).published_version.number == 1


def test_changes_of_a_form_never_published(staff_client, make_form):
    form = make_form(publish=False)
    body = staff_client.get(f"/staff/forms/{form.id}/designer/changes").get_json()
    assert body["first_publication"] is True
    assert {(c["action"], c["key"]) for c in body["changes"]} == {
        ("added", "name"),
        ("added", "age"),
        ("added", "ward"),
        ("added", "days"),
    }


def test_public_form_serves_the_published_version_until_the_draft_is_published(
    staff_client, app, make_form
):
    client = app.test_client()  # a citizen
    form = make_form()
    assert _save(staff_client, form, _relabel(form.draft, "age", "満年齢")).status_code == 200

    public = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert "年齢" in public and "満年齢" not in public

    revision = _fresh(form.id).draft_revision
    response = staff_client.post(
        f"/staff/forms/{form.id}/designer/publish", json={"revision": revision}
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == 2
    assert body["form"]["published_version"] == 2
    stored = _fresh(form.id)
    assert [v.number for v in stored.versions] == [1, 2]
    assert _labels(stored.published_version.document)["age"] == "満年齢"
    assert "満年齢" in client.get(f"/f/{form.slug}").get_data(as_text=True)


def test_first_publication_from_the_designer_opens_the_public_form(staff_client, app, make_form):
    client = app.test_client()  # a citizen
    form = make_form(publish=False)
    assert client.get(f"/f/{form.slug}").status_code == 404
    response = staff_client.post(
        f"/staff/forms/{form.id}/designer/publish", json={"revision": form.draft_revision}
    )
    assert response.status_code == 200 and response.get_json()["version"] == 1
    page = client.get(f"/f/{form.slug}")
    assert page.status_code == 200
    assert 'name="f_name"' in page.get_data(as_text=True)


def test_publish_with_a_stale_revision_is_refused(staff_client, app, make_form):
    client = app.test_client()  # a citizen
    form = make_form()
    old = form.draft_revision
    assert _save(staff_client, form, _relabel(form.draft, "age", "満年齢")).status_code == 200

    for body in ({"revision": old}, {}):
        response = staff_client.post(f"/staff/forms/{form.id}/designer/publish", json=body)
        assert response.status_code == 409
        assert CONFLICT in response.get_json()["error"]

    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(FormVersion).where(FormVersion.form_id == form.id)
    )
    assert count == 1
    assert "満年齢" not in client.get(f"/f/{form.slug}").get_data(as_text=True)


# -- previews ---------------------------------------------------------------------------------


def _input_tag(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def test_preview_renders_the_draft_with_the_public_renderer_and_cannot_send(
    staff_client, app, make_form
):
    form = make_form()
    public = app.test_client().get(f"/f/{form.slug}").get_data(as_text=True)

    response = staff_client.get(f"/staff/forms/{form.id}/preview")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert PREVIEW_BANNER in html
    for name in ("f_name", "f_age"):
        assert _input_tag(html, name) == _input_tag(public, name)
    assert html.count('name="f_ward"') == public.count('name="f_ward"') == 2
    form_tag = re.search(r'<form[^>]*class="public-form"[^>]*>', html).group(0)
    assert f"/f/{form.slug}" not in form_tag
    assert "data-preview" in form_tag  # public-form.js keeps it from sending
    assert PREVIEW_BANNER not in public
    # the preview address takes nothing
    assert (
        staff_client.post(f"/staff/forms/{form.id}/preview", data={"f_name": "x"}).status_code
        == 405
    )


def test_preview_shows_the_unpublished_draft(staff_client, make_form):
    form = make_form()
    document = _relabel(form.draft, "age", "満年齢")
    document["fields"].append({"key": "email", "type": "email", "label": "メール"})
    assert _save(staff_client, form, document).status_code == 200
    html = staff_client.get(f"/staff/forms/{form.id}/preview").get_data(as_text=True)
    assert "満年齢" in html
    assert 'name="f_email"' in html


def test_preview_of_an_old_version(staff_client, make_form):
    form = make_form()
    assert _save(staff_client, form, _relabel(form.draft, "age", "満年齢")).status_code == 200
    assert (
        staff_client.post(
            f"/staff/forms/{form.id}/designer/publish",
            json={"revision": _fresh(form.id).draft_revision},
        ).status_code
        == 200
    )

    old = staff_client.get(f"/staff/forms/{form.id}/versions/1/preview")
    new = staff_client.get(f"/staff/forms/{form.id}/versions/2/preview")

    assert old.status_code == new.status_code == 200
    old_html, new_html = old.get_data(as_text=True), new.get_data(as_text=True)
    assert PREVIEW_BANNER in old_html
    assert "年齢" in old_html and "満年齢" not in old_html
    assert "満年齢" in new_html
    assert staff_client.get(f"/staff/forms/{form.id}/versions/9/preview").status_code == 404


# -- rights -----------------------------------------------------------------------------------


def _every_designer_request(form):
    body = {"revision": form.draft_revision}
    return [
        ("get", f"/staff/forms/{form.id}/designer", None),
        (
            "put",
            f"/staff/forms/{form.id}/designer/draft",
            {"document": _relabel(form.draft, "name", "乗っ取り"), **body},
        ),
        (
            "post",
            f"/staff/forms/{form.id}/designer/order",
            {"layout": {"root": ["days", "ward", "age", "name"]}, **body},
        ),
        ("get", f"/staff/forms/{form.id}/designer/changes", None),
        ("post", f"/staff/forms/{form.id}/designer/publish", body),
        ("get", f"/staff/forms/{form.id}/preview", None),
        ("get", f"/staff/forms/{form.id}/versions/1/preview", None),
    ]


def test_staff_of_another_department_are_refused_everywhere(client, other_staff, make_form):
    form = make_form()
    before = copy.deepcopy(form.draft)
    log_in(client, other_staff)
    for method, url, body in _every_designer_request(form):
        response = getattr(client, method)(url, json=body)
        assert response.status_code == 403, (method, url)
    stored = _fresh(form.id)
    assert stored.draft == before
    assert len(stored.versions) == 1


def test_anonymous_users_are_sent_to_log_in(client, make_form):
    form = make_form()
    before = copy.deepcopy(form.draft)
    for method, url, body in _every_designer_request(form):
        if body is None:  # pages: the browser is sent to the log-in page
            response = getattr(client, method)(url)
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/login"), (method, url)
        else:  # the designer's script: a JSON 401 it can show, never a log-in page
            response = getattr(client, method)(url, json=body)
            assert response.status_code == 401, (method, url)
            assert "error" in response.get_json(), (method, url)
    stored = _fresh(form.id)
    assert stored.draft == before
    assert len(stored.versions) == 1


def test_an_administrator_of_another_department_may_design(
    client, make_user, other_staff, make_form
):
    form = make_form()
    admin = make_user("admin", admin=True, dept=None)
    log_in(client, admin)
    assert client.get(f"/staff/forms/{form.id}/designer").status_code == 200
    assert _save(client, form, _relabel(form.draft, "name", "お名前")).status_code == 200


# -- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [{"WTF_CSRF_ENABLED": True}])
def test_json_endpoints_need_the_csrf_token_of_the_page(client, staff, make_form, overrides):
    form = make_form(publish=False)
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', login_page).group(1)
    assert (
        client.post(
            "/login", data={"username": staff.username, "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    page = client.get(f"/staff/forms/{form.id}/designer").get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    meta = html_lib.unescape(meta)
    body = {"document": _relabel(form.draft, "name", "お名前"), "revision": form.draft_revision}

    refused = client.put(f"/staff/forms/{form.id}/designer/draft", json=body)
    assert refused.status_code == 400
    assert _labels(_fresh(form.id).draft)["name"] == "氏名"
    forged = client.put(
        f"/staff/forms/{form.id}/designer/draft", json=body, headers={"X-CSRFToken": "forged"}
    )
    assert forged.status_code == 400

    accepted = client.put(
        f"/staff/forms/{form.id}/designer/draft", json=body, headers={"X-CSRFToken": meta}
    )
    assert accepted.status_code == 200
    assert _labels(_fresh(form.id).draft)["name"] == "お名前"


def test_palette_shows_what_applies_when_a_setting_is_left_empty():
    from builder.palette import describe

    number = next(entry for entry in describe() if entry["name"] == "number")
    settings = {s["name"]: s for s in number["settings"]}
    assert settings["decimals"]["default"] == 0
    assert "default" not in settings["min"]  # no bound unless one is given
    text = next(entry for entry in describe() if entry["name"] == "text")
    assert {s["name"]: s for s in text["settings"]}["max_length"]["default"] == 200


def test_an_emptied_question_and_an_out_of_range_setting_are_refused_in_japanese(
    staff_client, make_form
):
    form = make_form(publish=False)
    before = copy.deepcopy(form.draft)
    document = _relabel(form.draft, "name", "")
    age = next(f for f in document["fields"] if f["key"] == "age")
    age["decimals"] = 9
    response = _save(staff_client, form, document)
    assert response.status_code == 422
    problems = {p["path"]: p["message"] for p in response.get_json()["problems"]}
    assert problems["fields.0.label"] == "項目名を入力してください（500文字以内）。"
    assert problems["fields.1.decimals"] == "0から6までの数にしてください。"
    assert _fresh(form.id).draft == before


# -- an empty draft ---------------------------------------------------------------------------

EMPTY_REFUSED = "公開するには、項目を1つ以上追加してください。"


def test_deleting_every_item_is_saved_and_only_publishing_is_refused(
    staff_client, api, app, make_form
):
    form = make_form()
    emptied = dict(copy.deepcopy(form.draft), fields=[])
    response = _save(staff_client, form, emptied)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["document"]["fields"] == []
    assert _bootstrap(staff_client, form.id)["document"]["fields"] == []  # after a reload

    changes = staff_client.get(f"/staff/forms/{form.id}/designer/changes")
    assert changes.status_code == 422
    assert [p["message"] for p in changes.get_json()["problems"]] == [EMPTY_REFUSED]
    revision = _fresh(form.id).draft_revision
    published = staff_client.post(
        f"/staff/forms/{form.id}/designer/publish", json={"revision": revision}
    )
    assert published.status_code == 422
    assert EMPTY_REFUSED in str(published.get_json()["problems"])
    by_api = api.post(f"/api/v1/forms/{form.id}/publish")
    assert by_api.status_code == 422
    assert EMPTY_REFUSED in str(by_api.get_json())
    page = staff_client.post(f"/staff/forms/{form.id}/publish")
    assert page.status_code == 422 and EMPTY_REFUSED in page.get_data(as_text=True)

    assert len(_fresh(form.id).versions) == 1  # the public form still serves version 1
    assert 'name="f_name"' in app.test_client().get(f"/f/{form.slug}").get_data(as_text=True)


def test_a_form_may_be_created_empty_by_the_api(api):
    response = api.post("/api/v1/forms", json={"title": "まだ空のフォーム", "fields": []})
    assert response.status_code == 201
    refused = api.post(f"/api/v1/forms/{response.get_json()['id']}/publish")
    assert refused.status_code == 422 and EMPTY_REFUSED in str(refused.get_json())


# -- form settings in what publishing changes -------------------------------------------------


def test_settings_changes_are_listed_published_and_kept_in_the_history(
    staff_client, app, make_form
):
    form = make_form()
    document = copy.deepcopy(form.draft)
    document["title"] = "新しい題名"
    document["description"] = "締切は6月30日です。"
    document["settings"]["thank_you"] = "ありがとうございました。"
    document["settings"]["receipt_format"] = "A-{seq:04d}"
    assert _save(staff_client, form, document).status_code == 200

    body = staff_client.get(f"/staff/forms/{form.id}/designer/changes").get_json()
    listed = {(c["action"], c["key"], c["title"], c["label"]) for c in body["changes"]}
    assert listed == {
        ("setting", "title", "フォームの設定を変更", "タイトル"),
        ("setting", "description", "フォームの設定を変更", "フォームの上に表示する説明"),
        ("setting", "settings.thank_you", "フォームの設定を変更", "送信完了ページのメッセージ"),
        ("setting", "settings.receipt_format", "フォームの設定を変更", "受付番号の形式"),
    }
    details = {c["key"]: c["detail"] for c in body["changes"]}
    assert "新しい題名" in details["title"]

    page = staff_client.get(f"/staff/forms/{form.id}/publish").get_data(as_text=True)
    assert "下書きは公開中の版と同じです。" not in page
    assert "フォームの上に表示する説明" in page

    revision = _fresh(form.id).draft_revision
    published = staff_client.post(
        f"/staff/forms/{form.id}/designer/publish", json={"revision": revision}
    )
    assert published.status_code == 200
    assert "締切は6月30日です。" in app.test_client().get(f"/f/{form.slug}").get_data(as_text=True)
    history = staff_client.get(f"/staff/forms/{form.id}/versions").get_data(as_text=True)
    row = re.search(r"第2版.*?</tr>", history, re.S).group(0)
    assert "フォームの上に表示する説明" in row and "送信完了ページのメッセージ" in row
    # nothing changed since: nothing listed
    assert staff_client.get(f"/staff/forms/{form.id}/designer/changes").get_json()["changes"] == []


# -- cards: each item as the public form shows it ---------------------------------------------


def test_cards_are_rendered_by_the_public_renderer(staff_client, make_form):
    form = make_form(WITH_SECTION)
    cards = _bootstrap(staff_client, form.id)["cards"]
    assert set(cards) == {"name", "age", "contact", "ward", "extra", "days"}
    assert 'type="radio"' in cards["ward"] and "一関" in cards["ward"] and "花泉" in cards["ward"]
    assert "必須" in cards["name"] and 'type="text"' in cards["name"]

    item = {
        "key": "time",
        "type": "radio",
        "label": "参加する部",
        "help": "どちらか一つ",
        "required": True,
        "choices": [{"value": "am", "label": "午前の部（10:00～11:30、定員20名）"}],
    }
    broken = {"key": "bad", "type": "number", "label": "人数", "min": 5, "max": 1}
    response = staff_client.post(
        f"/staff/forms/{form.id}/designer/cards", json={"items": [item, broken]}
    )
    assert response.status_code == 200
    html = response.get_json()["cards"]["time"]
    public = staff_client.get(f"/staff/forms/{form.id}/preview").get_data(as_text=True)
    # the very markup of the public page: label, required mark, help and choices
    assert '<legend class="field-label"' in html and '<legend class="field-label"' in public
    for text in ("参加する部", "必須", "どちらか一つ", "午前の部（10:00～11:30、定員20名）"):
        assert text in html
    assert response.get_json()["cards"]["bad"] is None

    for body in ({}, {"items": "x"}, {"items": [{}] * 1000}):
        assert (
            staff_client.post(f"/staff/forms/{form.id}/designer/cards", json=body).status_code
            == 400
        )
