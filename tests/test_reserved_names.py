"""Names that guard storage and addresses: no trailing newline slips through a name check,
field keys cannot take the system's own names, and a form that already has such a key
keeps working with its field addressed unambiguously."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.models import Form
from app.records import tables as record_tables
from builder.definition import DefinitionError, load
from builder.system_names import FIELD_COLUMN_PREFIX, RESERVED_KEYS, SYSTEM_COLUMNS
from tests.test_field_types import list_cells


def _document(**changes) -> dict:
    document = {
        "title": "名前",
        "slug": "names",
        "fields": [{"key": "name", "type": "text", "label": "氏名"}],
    }
    return document | changes


def _form_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Form))


# -- a trailing newline ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (_document(slug="abc\n"), "slug"),
        (_document(fields=[{"key": "a\n", "type": "text", "label": "x"}]), "fields.0.key"),
        (
            _document(
                fields=[
                    {
                        "key": "s",
                        "type": "section",
                        "fields": [{"key": "b\n", "type": "text", "label": "x"}],
                    }
                ]
            ),
            "fields.0.fields.0.key",
        ),
    ],
    ids=["slug", "key", "key-in-section"],
)
def test_a_trailing_newline_does_not_pass_a_name_check(api, document, path):
    with pytest.raises(DefinitionError):
        load(document)
    response = api.post("/api/v1/forms", json=document)
    assert response.status_code == 422
    assert [e["path"] for e in response.get_json()["errors"]] == [path]
    assert _form_count() == 0


def test_a_trailing_newline_does_not_pass_the_draft_address(api, make_form):
    form = make_form(_document())
    response = api.put(f"/api/v1/forms/{form.id}/draft", json=_document(slug="names\n"))
    assert response.status_code == 422
    db.session.refresh(form)
    assert form.slug == "names"


# -- reserved keys --------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(RESERVED_KEYS))
def test_new_fields_cannot_take_a_system_name(api, key):
    document = _document(fields=[{"key": key, "type": "text", "label": "x"}])
    with pytest.raises(DefinitionError) as caught:
        load(document)
    assert caught.value.errors["fields"][0]["key"] == [
        f"“{key}” is a name the system uses; choose another key."
    ]
    response = api.post("/api/v1/forms", json=document)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {
            "path": "fields.0.key",
            "message": f"「{key}」はシステムが使う名前です。別のキーにしてください。",
        }
    ]


def test_the_reserved_names_are_the_record_tables_system_columns():
    columns = [c.name for c in record_tables.build(1, []).records.columns]
    assert tuple(columns) == SYSTEM_COLUMNS
    assert not any(name.startswith(FIELD_COLUMN_PREFIX) for name in columns)
    assert set(SYSTEM_COLUMNS) <= RESERVED_KEYS


LEGACY = {
    "title": "旧フォーム",
    "slug": "legacy",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名"},
        {"key": "old_id", "type": "number", "label": "整理番号"},
        {"key": "old_receipt_no", "type": "text", "label": "旧受付番号"},
    ],
}


@pytest.fixture
def legacy(make_form):
    """A form saved before keys were reserved, with fields keyed ``id`` and ``receipt_no``."""
    form = make_form(copy.deepcopy(LEGACY), publish=False)
    draft = copy.deepcopy(form.draft)
    draft["fields"][1]["key"], draft["fields"][2]["key"] = "id", "receipt_no"
    db.session.execute(sa.update(Form).where(Form.id == form.id).values(draft=draft))
    db.session.commit()
    db.session.refresh(form)
    operations.publish(form)
    return form


@pytest.fixture
def legacy_records(api, legacy):
    """Two records whose field values run against their record ids."""
    ids = []
    for number, old in ((200, "R-2"), (100, "R-1")):
        response = api.post(
            f"/api/v1/forms/{legacy.id}/records",
            json={"name": "一関", "id": number, "receipt_no": old},
        )
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["values"] == {"name": "一関", "id": number, "receipt_no": old}
        ids.append((response.get_json()["id"], response.get_json()["receipt_no"]))
    return ids


def test_a_reserved_key_of_an_existing_form_is_addressed_as_values_key_in_the_api(
    api, legacy, legacy_records
):
    (first, first_receipt), (second, _receipt) = legacy_records

    def ids(query):
        response = api.get(f"/api/v1/forms/{legacy.id}/records{query}")
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids(f"?receipt_no={first_receipt}") == [first]  # the system's receipt number
    assert ids("?values.receipt_no=R-1") == [second]  # the field
    assert ids("?values.receipt_no.contains=R-") == [first, second]
    assert ids("?sort=id") == [first, second]  # the record id
    assert ids("?sort=-id") == [second, first]
    assert ids("?sort=values.id") == [second, first]  # the field: 100, 200
    assert ids("?sort=-values.id") == [first, second]
    assert ids("?values.id.min=150") == [first]
    assert ids("?values.id=100") == [second]
    unknown = api.get(f"/api/v1/forms/{legacy.id}/records?id=100")
    assert unknown.status_code == 400
    assert unknown.get_json()["errors"][0]["path"] == "id"


def test_the_staff_list_addresses_such_a_field_by_its_column(staff_client, legacy, legacy_records):
    (first, first_receipt), (second, second_receipt) = legacy_records
    url = f"/staff/forms/{legacy.id}/records"

    def receipts(query):
        response = staff_client.get(url + query)
        assert response.status_code == 200
        return [cell for cell in list_cells(response.get_data(as_text=True)) if cell.count("-")]

    assert first_receipt in receipts(f"?receipt_no={first_receipt}")
    assert second_receipt not in receipts(f"?receipt_no={first_receipt}")
    only_second = receipts("?f_receipt_no=R-1")
    assert second_receipt in only_second and first_receipt not in only_second
    page = staff_client.get(url + "?sort=f_id&dir=asc").get_data(as_text=True)
    assert page.index(second_receipt) < page.index(first_receipt)


def test_a_form_with_a_reserved_key_can_still_be_edited_published_and_copied(
    api, staff_client, legacy
):
    draft = copy.deepcopy(legacy.draft)
    draft["fields"][1]["label"] = "整理番号（変更）"
    response = api.put(f"/api/v1/forms/{legacy.id}/draft", json=draft)
    assert response.status_code == 200, response.get_json()
    assert api.post(f"/api/v1/forms/{legacy.id}/publish").status_code == 200
    assert staff_client.get(f"/staff/forms/{legacy.id}/preview").status_code == 200

    draft["fields"].append({"key": "status", "type": "text", "label": "状態"})
    refused = api.put(f"/api/v1/forms/{legacy.id}/draft", json=draft)
    assert refused.status_code == 422
    assert [e["path"] for e in refused.get_json()["errors"]] == ["fields.3.key"]

    copied = staff_client.post(f"/staff/forms/{legacy.id}/duplicate", data={"title": "写し"})
    assert copied.status_code == 302
    copy_form = db.session.scalars(sa.select(Form).where(Form.title == "写し")).one()
    assert [f["key"] for f in copy_form.draft["fields"]] == ["name", "id", "receipt_no"]
