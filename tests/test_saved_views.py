"""Saved list views: private and shared, the form's default, changes by their owner or a
manager, and fields hidden from a user left out of a view someone else shared."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from app import rights
from app.extensions import db
from app.forms.published import published_definition
from app.models import Grant, SavedView
from app.records import saved_views
from app.records.saved_views import ViewProblem
from app.records.submission import submit
from app.records.viewspec import ViewSpec
from tests.conftest import log_in


@pytest.fixture
def form(make_form):
    form = make_form()
    definition = published_definition(form)
    for name, age, ward in (
        ("山田 太郎", 41, "一関"),
        ("佐藤 花子", 29, "花泉"),
        ("秘密 三郎", 60, "一関"),
    ):
        submit(form, definition, {"name": name, "age": age, "ward": ward})
    return form


@pytest.fixture
def colleague(make_user, form, other_department):
    """A user of the form who may see its records, but not the name field."""
    user = make_user("colleague", dept=other_department)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=user.id,
            rights=[rights.VIEW_RECORDS],
            fields={"name": rights.HIDDEN},
        )
    )
    db.session.commit()
    return user


def _save(client, form, name, spec_args, **extra):
    return client.post(
        f"/staff/forms/{form.id}/views",
        data={"action": "save", "name": name, "spec": urlencode(spec_args), **extra},
    )


def _view(name: str) -> SavedView:
    db.session.rollback()
    return db.session.query(SavedView).filter_by(name=name).one()


def test_save_a_view_and_open_it(staff_client, form):
    args = [
        ("columns", "f_name,f_age"),
        ("f_ward", "一関"),
        ("sort", "-f_age"),
        ("page_size", "20"),
    ]
    response = _save(staff_client, form, "一関の人", args)
    assert response.status_code == 302
    view = _view("一関の人")
    assert response.headers["Location"].endswith(f"view={view.id}")
    assert view.spec["filters"] == [["f_ward", "一関"]]
    assert view.spec["sort"] == [["f_age", True]]
    page = staff_client.get(f"/staff/forms/{form.id}/records?view={view.id}").text
    assert page.index("秘密 三郎") < page.index("山田 太郎")
    assert "佐藤 花子" not in page
    # only the chosen columns: no ward column heading
    assert ">地区<" not in page.split("<table", 1)[1]


def test_private_views_are_their_owners_own(client, staff, make_user, form):
    log_in(client, staff)
    _save(client, form, "私の一覧", [("f_ward", "花泉")])
    mine = _view("私の一覧")
    other = make_user("other")  # same department: may see the records
    log_in(client, other)
    assert client.get(f"/staff/forms/{form.id}/records?view={mine.id}").status_code == 404
    assert "私の一覧" not in client.get(f"/staff/forms/{form.id}/records").text
    # nor change or delete it
    client.post(f"/staff/forms/{form.id}/views", data={"action": "delete", "view": mine.id})
    assert db.session.get(SavedView, mine.id) is not None


def test_shared_view_and_the_default(client, staff, make_user, form):
    log_in(client, staff)
    _save(client, form, "花泉", [("f_ward", "花泉")], shared="1", is_default="1")
    shared = _view("花泉")
    assert shared.shared and shared.is_default
    other = make_user("other")
    other_grant_rights = rights.rights_of(other, form)
    assert rights.MANAGE in other_grant_rights  # the department's default grant
    log_in(client, other)
    page = client.get(f"/staff/forms/{form.id}/records").text
    assert "佐藤 花子" in page and "山田 太郎" not in page  # the default view applies
    everything = client.get(f"/staff/forms/{form.id}/records?view=all").text
    assert "山田 太郎" in everything


def test_only_managers_choose_the_default(form, staff, colleague):
    with pytest.raises(ViewProblem):
        saved_views.save(colleague, form, "既定", ViewSpec(), shared=True, is_default=True)
    with pytest.raises(ViewProblem):
        saved_views.save(staff, form, "非共有の既定", ViewSpec(), shared=False, is_default=True)
    first = saved_views.save(staff, form, "一つ目", ViewSpec(), shared=True, is_default=True)
    second = saved_views.save(staff, form, "二つ目", ViewSpec(), shared=True, is_default=True)
    db.session.refresh(first)
    assert not first.is_default and second.is_default
    assert saved_views.default_view(form).id == second.id


def test_update_rename_and_delete(staff_client, form):
    _save(staff_client, form, "変更前", [("f_ward", "一関")])
    view = _view("変更前")
    staff_client.post(
        f"/staff/forms/{form.id}/views",
        data={"action": "update", "view": view.id, "spec": urlencode([("f_ward", "花泉")])},
    )
    assert _view("変更前").spec["filters"] == [["f_ward", "花泉"]]
    staff_client.post(
        f"/staff/forms/{form.id}/views",
        data={"action": "settings", "view": view.id, "name": "変更後", "shared": "1"},
    )
    renamed = _view("変更後")
    assert renamed.shared
    staff_client.post(f"/staff/forms/{form.id}/views", data={"action": "delete", "view": view.id})
    db.session.rollback()
    assert db.session.get(SavedView, view.id) is None


def test_a_view_needs_a_name(staff_client, form):
    response = _save(staff_client, form, "  ", [("f_ward", "一関")])
    assert response.status_code == 302
    page = staff_client.get(response.headers["Location"]).text
    assert "ビューの名前を入力してください。" in page
    assert db.session.query(SavedView).count() == 0


def test_hidden_fields_are_left_out_of_a_shared_view(client, staff, colleague, form):
    log_in(client, staff)
    args = [
        ("columns", "f_name,f_age"),
        ("f_name.contains", "秘密"),
        ("sort", "f_name"),
    ]
    _save(client, form, "名前で", args, shared="1")
    view = _view("名前で")
    log_in(client, colleague)
    response = client.get(f"/staff/forms/{form.id}/records?view={view.id}")
    assert response.status_code == 200
    page = response.text
    assert "見られない項目" in page  # the notice
    assert "秘密 三郎" not in page  # neither the value ...
    # ... nor its filter: every record is listed
    assert page.count('class="sticky-col receipt-cell"') == 3
    assert "f_name" not in re.sub(r"<option[^>]*>", "", page.split("<table", 1)[1])
    # named in a URL, the hidden field is refused
    refused = client.get(f"/staff/forms/{form.id}/records?f_name.contains=秘密")
    assert refused.status_code == 403
    # saving a spec with it is refused too
    assert _save(client, form, "だめ", [("f_name.contains", "秘")]).status_code == 403


def test_unknown_parts_of_a_view_give_a_clear_message(staff_client, staff, form):
    spec = ViewSpec(
        columns=["f_gone", "f_age"], filters=[("f_gone.min", "3")], sort=[("f_gone", False)]
    )
    view = saved_views.save(staff, form, "古い", spec)
    page = staff_client.get(f"/staff/forms/{form.id}/records?view={view.id}").text
    assert "f_gone" in page and "除外しました" in page
    assert page.count('class="sticky-col receipt-cell"') == 3
