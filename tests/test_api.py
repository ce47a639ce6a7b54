"""The REST API: token auth, forms, records, validation, idempotency and rights."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Department, Form, FormVersion
from app.records import store
from app.tokens import create_token
from tests.conftest import ELECTION

DEFINITION = {
    "title": "イベント申込",
    "slug": "api-event",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {"key": "age", "type": "number", "label": "年齢", "min": 0, "max": 120},
        {"key": "fee", "type": "number", "label": "参加費", "decimals": 1},
        {"key": "day", "type": "date", "label": "参加日"},
        {"key": "ward", "type": "radio", "label": "地区", "choices": ["一関", "花泉"]},
        {
            "key": "days",
            "type": "checkboxes",
            "label": "希望日",
            "choices": [{"value": "d1", "label": "6月30日"}, {"value": "d2", "label": "7月1日"}],
        },
        {"key": "agree", "type": "consent", "label": "同意"},
    ],
}


@pytest.fixture
def form(make_form):
    return make_form(copy.deepcopy(DEFINITION))


def _records_url(form) -> str:
    return f"/api/v1/forms/{form.id}/records"


def _form_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Form))


# -- authentication -----------------------------------------------------------------------


def test_requests_without_a_valid_token_are_401_json(client, staff, form):
    for headers in (
        {},
        {"Authorization": "Bearer atm_not-a-token"},
        {"Authorization": "Basic c3RhZmY6cGFzcw=="},
        {"Authorization": "Bearer "},
    ):
        response = client.get("/api/v1/forms", headers=headers)
        assert response.status_code == 401, headers
        assert response.is_json and response.get_json()["error"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.post(_records_url(form), json={"name": "x"})
    assert response.status_code == 401
    assert store.count(form) == 0


def test_token_works_as_bearer_and_only_for_an_active_user(client, staff, form):
    token = create_token(staff, "test")
    response = client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert [f["slug"] for f in response.get_json()["items"]] == ["api-event"]
    staff.active = False
    db.session.commit()
    response = client.get("/api/v1/forms", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


# -- forms ------------------------------------------------------------------------------------


def test_create_edit_and_publish_a_form(api, client):
    created = api.post("/api/v1/forms", json=copy.deepcopy(DEFINITION))
    assert created.status_code == 201
    body = created.get_json()
    assert set(body) == {"id", "slug"} and body["slug"] == "api-event"
    form_id = body["id"]
    assert client.get("/f/api-event").status_code == 404  # a draft is not public

    draft = copy.deepcopy(DEFINITION)
    draft["fields"].append({"key": "memo", "type": "textarea", "label": "備考"})
    replaced = api.put(f"/api/v1/forms/{form_id}/draft", json=draft)
    assert replaced.status_code == 200
    assert replaced.get_json()["draft_revision"] == 2
    assert replaced.get_json()["published_version"] is None

    published = api.post(f"/api/v1/forms/{form_id}/publish")
    assert published.status_code == 200
    assert published.get_json()["version"] == 1
    assert {c["key"] for c in published.get_json()["changes"]} == {
        "name",
        "age",
        "fee",
        "day",
        "ward",
        "days",
        "agree",
        "memo",
    }
    page = client.get("/f/api-event")
    assert page.status_code == 200 and "備考" in page.get_data(as_text=True)
    detail = api.get(f"/api/v1/forms/{form_id}").get_json()
    assert detail["published_version"] == 1
    assert detail["draft"]["fields"][-1]["key"] == "memo"


def test_stale_draft_revision_is_a_conflict(api, form):
    first = api.put(f"/api/v1/forms/{form.id}/draft", json=DEFINITION, headers={"If-Match": '"1"'})
    assert first.status_code == 200
    changed = copy.deepcopy(DEFINITION) | {"title": "後から"}
    second = api.put(f"/api/v1/forms/{form.id}/draft", json=changed, headers={"If-Match": '"1"'})
    assert second.status_code == 409 and second.is_json
    db.session.refresh(form)
    assert form.draft["title"] == "イベント申込"


def test_invalid_definition_is_422_naming_each_problem_and_creates_nothing(api):
    document = {
        "title": "",
        "fields": [
            {"key": "age", "type": "number", "label": "年齢", "min": 10, "max": 5},
            {"key": "x", "type": "nonsense", "label": "?"},
        ],
    }
    response = api.post("/api/v1/forms", json=document)
    assert response.status_code == 422
    paths = {e["path"] for e in response.get_json()["errors"]}
    assert {"title", "fields.0.min", "fields.1.type"} <= paths
    assert all(e["message"] for e in response.get_json()["errors"])
    assert _form_count() == 0


def test_invalid_json_body_is_400_and_creates_nothing(api):
    for data, content_type in (
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("title=x", "application/x-www-form-urlencoded"),
    ):
        response = api.post("/api/v1/forms", data=data, content_type=content_type)
        assert response.status_code == 400, data
        assert response.is_json
        assert "JSON" in response.get_json()["error"]
    assert _form_count() == 0


def test_slug_taken_is_409(api, form):
    response = api.post("/api/v1/forms", json=copy.deepcopy(DEFINITION))
    assert response.status_code == 409
    assert response.get_json()["errors"][0]["path"] == "slug"
    assert _form_count() == 1


# -- records: submitting ------------------------------------------------------------------------


def test_submit_normalises_like_the_public_form(api, form):
    response = api.post(
        _records_url(form),
        json={
            "name": "  一関 太郎  ",
            "age": "３０",
            "fee": "１，５００．５",
            "day": "２０２６年４月１日",
            "ward": "花泉",
            "days": ["d2", "d1"],
            "agree": True,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["receipt_no"] and body["id"]
    assert body["values"] == {
        "name": "一関 太郎",
        "age": 30,
        "fee": 1500.5,
        "day": "2026-04-01",
        "ward": "花泉",
        "days": ["d1", "d2"],
        "agree": True,
    }
    assert store.count(form) == 1
    record = store.get(form, body["id"])
    assert record.values["f_age"] == 30 and record.values["f_days"] == ["d1", "d2"]


@pytest.mark.parametrize(
    "payload, bad",
    [
        ({"name": "a", "days": "d1"}, "days"),  # a string for check boxes
        ({"name": {"first": "a"}}, "name"),  # an object for text
        ({"name": "a", "age": True}, "age"),  # true for a number
        ({"name": "a", "ward": ["一関"]}, "ward"),  # a list for a single choice
        ({"name": "a", "agree": "yes"}, "agree"),  # a string for a consent box
        ({"name": "a", "nickname": "x"}, "nickname"),  # unknown field
    ],
)
def test_wrong_types_and_unknown_fields_are_422_by_key(api, form, payload, bad):
    response = api.post(_records_url(form), json=payload)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {bad}
    assert all(isinstance(m, str) and m for m in errors[bad])
    assert store.count(form) == 0


def test_validation_failures_are_422_naming_every_field(api, form):
    response = api.post(
        _records_url(form),
        json={
            "name": "   ",
            "age": "200",
            "fee": "1.25",
            "day": "あした",
            "ward": "東京",
            "days": ["d1", "zz"],
        },
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"name", "age", "fee", "day", "ward", "days"}
    assert errors["name"] == ["この項目は必須です。入力してください。"]
    assert store.count(form) == 0


@pytest.mark.parametrize(
    "fee", ["1e30", 1e308, "1e999999999", "1000000000000000000", "NaN", "-inf"]
)
def test_absurd_numbers_are_422_not_a_crash(api, form, fee):
    response = api.post(_records_url(form), json={"name": "a", "fee": fee})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"fee"}
    assert store.count(form) == 0


def test_largest_numbers_are_accepted(api, form):
    # a decimal has at most 15 digits in all: what every engine stores exactly
    response = api.post(
        _records_url(form), json={"name": "a", "fee": "99999999999999.9", "age": "0e5"}
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["values"]["age"] == 0
    assert response.get_json()["values"]["fee"] == 99999999999999.9
    too_precise = api.post(_records_url(form), json={"name": "a", "fee": "999999999999999999.9"})
    assert too_precise.status_code == 422
    assert set(too_precise.get_json()["errors"]) == {"fee"}


def test_nul_characters_never_reach_the_database(api, form, people):
    response = api.post(_records_url(form), json={"name": "一関\x00太郎"})
    assert response.status_code == 201
    assert response.get_json()["values"]["name"] == "一関太郎"
    listed = api.get(_records_url(form) + "?name.contains=%00一関")
    assert listed.status_code == 200 and listed.get_json()["total"] == 1


def test_submit_with_invalid_json_is_400_and_stores_nothing(api, form):
    response = api.post(_records_url(form), data='{"name": ', content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]
    response = api.post(_records_url(form), json=["name", "x"])
    assert response.status_code == 400
    assert store.count(form) == 0


def test_submit_to_an_unpublished_form_is_refused(api, make_form):
    draft = make_form(copy.deepcopy(DEFINITION), publish=False)
    response = api.post(_records_url(draft), json={"name": "a"})
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FormVersion)) == 0


def test_idempotency_key_stores_one_record(api, form):
    headers = {"Idempotency-Key": "order-42"}
    first = api.post(_records_url(form), json={"name": "一関 太郎"}, headers=headers)
    second = api.post(_records_url(form), json={"name": "一関 太郎"}, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["receipt_no"] == second.get_json()["receipt_no"]
    third = api.post(
        _records_url(form), json={"name": "一関 太郎"}, headers={"Idempotency-Key": "x"}
    )
    assert third.status_code == 201
    assert store.count(form) == 2
    too_long = api.post(
        _records_url(form), json={"name": "a"}, headers={"Idempotency-Key": "k" * 61}
    )
    assert too_long.status_code == 400
    assert store.count(form) == 2


# -- records: listing ---------------------------------------------------------------------------


@pytest.fixture
def people(api, form):
    rows = [
        {"name": "山田 一郎", "age": 25, "day": "2026-04-01", "ward": "一関", "days": ["d1"]},
        {"name": "山田 花子", "age": 41, "fee": 2.5, "ward": "花泉", "days": ["d1", "d2"]},
        {"name": "佐藤 次郎", "age": 67, "day": "2026-05-05", "days": []},
        {"name": "鈴木 三郎"},
    ]
    ids = []
    for row in rows:
        response = api.post(_records_url(form), json=row)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def test_list_records_shape(api, form, people):
    response = api.get(_records_url(form))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 4
    first = body["items"][0]
    assert set(first) >= {"id", "receipt_no", "created_at", "values"}
    assert first["id"] == people[0]
    assert isinstance(first["created_at"], str) and first["created_at"].startswith("20")
    assert first["values"]["age"] == 25 and isinstance(first["values"]["age"], int)
    assert first["values"]["day"] == "2026-04-01"
    assert first["values"]["days"] == ["d1"]
    second = body["items"][1]
    assert second["values"]["fee"] == 2.5 and second["values"]["days"] == ["d1", "d2"]
    last = body["items"][3]
    assert last["values"]["age"] is None and last["values"]["days"] == []


def test_list_filters_sort_and_paging(api, form, people):
    def ids(query):
        response = api.get(_records_url(form) + query)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["total"], [r["id"] for r in response.get_json()["items"]]

    a, b, c, d = people
    assert ids("?age.min=30") == (2, [b, c])
    assert ids("?age.min=30&age.max=50") == (1, [b])
    assert ids("?name.contains=山田") == (2, [a, b])
    assert ids("?ward=花泉") == (1, [b])
    assert ids("?days=d2") == (1, [b])
    assert ids("?day.min=2026-04-15") == (1, [c])
    assert ids("?age.min=３０") == (2, [b, c])  # full-width digits in filters too
    assert ids("?sort=-age") == (4, [c, b, a, d])  # no age: last
    assert ids("?sort=age") == (4, [a, b, c, d])
    assert ids("?sort=-id&limit=2") == (4, [d, c])
    assert ids("?sort=-id&limit=2&offset=2") == (4, [b, a])
    assert ids("?sort=receipt_no&name.contains=山田&limit=1&offset=1") == (2, [b])


@pytest.mark.parametrize(
    "query, path",
    [
        ("?colour=red", "colour"),
        ("?age.like=3", "age.like"),
        ("?sort=colour", "sort"),
        ("?sort=days", "sort"),  # multiple choice cannot be sorted
        ("?age.min=abc", "age.min"),
        ("?day.max=yesterday", "day.max"),
        ("?ward=東京", "ward"),
        ("?limit=0", "limit"),
        ("?limit=5000", "limit"),
        ("?offset=-1", "offset"),
        ("?limit=ten", "limit"),
        ("?offset=x", "offset"),
        ("?offset=99999999999999999999", "offset"),
    ],
)
def test_bad_list_queries_are_400_naming_the_parameter(api, form, people, query, path):
    response = api.get(_records_url(form) + query)
    assert response.status_code == 400
    assert path in [e["path"] for e in response.get_json()["errors"]]


def test_get_one_record(api, form, people):
    response = api.get(f"{_records_url(form)}/{people[1]}")
    assert response.status_code == 200
    assert response.get_json()["values"]["name"] == "山田 花子"
    assert api.get(f"{_records_url(form)}/999999").status_code == 404


# -- rights ---------------------------------------------------------------------------------------


def test_other_departments_token_cannot_see_list_or_submit(client, api, form, make_user, people):
    other_department = Department(name="教育委員会")
    db.session.add(other_department)
    db.session.commit()
    outsider = make_user("outsider", dept=other_department)
    headers = {"Authorization": f"Bearer {create_token(outsider)}"}

    assert client.get("/api/v1/forms", headers=headers).get_json()["items"] == []
    for method, url, kwargs in (
        ("get", f"/api/v1/forms/{form.id}", {}),
        ("get", _records_url(form), {}),
        ("get", f"{_records_url(form)}/{people[0]}", {}),
        ("post", _records_url(form), {"json": {"name": "侵入"}}),
        ("put", f"/api/v1/forms/{form.id}/draft", {"json": DEFINITION}),
        ("post", f"/api/v1/forms/{form.id}/publish", {}),
    ):
        response = getattr(client, method)(url, headers=headers, **kwargs)
        assert response.status_code == 404, (method, url)
        assert response.is_json
        assert "山田" not in response.get_data(as_text=True)
    assert store.count(form) == len(people)
    db.session.refresh(form)
    assert form.draft_revision == 1


def test_admin_token_sees_every_department(client, form, make_user):
    admin = make_user("boss", admin=True, dept=None)
    headers = {"Authorization": f"Bearer {create_token(admin)}"}
    assert client.get(f"/api/v1/forms/{form.id}", headers=headers).status_code == 200
    response = client.post(_records_url(form), headers=headers, json={"name": "管理者"})
    assert response.status_code == 201


def test_election_form_from_conftest_via_api(api, make_form):
    election = make_form(copy.deepcopy(ELECTION))
    response = api.post(_records_url(election), json={"name": "a", "age": 17})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"age"}
    assert "18" in response.get_json()["errors"]["age"][0]
