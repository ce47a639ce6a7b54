"""Publishing a changed definition evolves rec_<form id> without losing a single value."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.models import Form, FormVersion
from app.records import tables as record_tables
from builder import definition as definitions
from builder import storage_plan

WARDS = [{"value": "a", "label": "一関"}, {"value": "b", "label": "花泉"}]
DAYS = [{"value": "d1", "label": "6月30日"}, {"value": "d2", "label": "7月1日"}]

BASE = {
    "title": "選挙事務スタッフ募集",
    "slug": "evolve",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {"key": "age", "type": "number", "label": "年齢", "min": 18, "max": 99},
        {"key": "ward", "type": "radio", "label": "地区", "choices": WARDS},
        {"key": "days", "type": "checkboxes", "label": "希望日", "choices": DAYS},
        {"key": "note", "type": "textarea", "label": "備考"},
    ],
}

FIRST = {
    "f_name": "一関 太郎",
    "f_age": "30",
    "f_ward": "b",
    "f_days": ["d1", "d2"],
    "f_note": "よろしく",
}
SECOND = {"f_name": "花泉 花子", "f_age": "45", "f_ward": "a", "f_days": ["d2"]}


# -- helpers ---------------------------------------------------------------------------------


def submit(client, form, data: dict) -> None:
    page = client.get(f"/f/{form.slug}").get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', page).group(1)
    response = client.post(
        f"/f/{form.slug}", data={**data, "submission_token": token, "action": "submit"}
    )
    assert response.status_code == 303, response.get_data(as_text=True)


def republish(form: Form, user, change) -> FormVersion:
    """Edit a copy of the draft with *change*, save it and publish it."""
    document = copy.deepcopy(form.draft)
    change(document)
    operations.save_draft(form, document)
    return operations.publish(form, user)


def field_of(document: dict, key: str) -> dict:
    return next(f for f in document["fields"] if f["key"] == key)


def without(*keys):
    def change(document):
        document["fields"] = [f for f in document["fields"] if f["key"] not in keys]

    return change


def columns(form) -> list[tuple[str, str]]:
    """(name, SQL type) of every column of rec_<id>, as the database reports them."""
    return [
        (c["name"], str(c["type"])) for c in sa.inspect(db.engine).get_columns(f"rec_{form.id}")
    ]


def indexes(form) -> dict[str, list[str]]:
    return {
        i["name"]: i["column_names"] for i in sa.inspect(db.engine).get_indexes(f"rec_{form.id}")
    }


def rows(form) -> list[dict]:
    table = sa.Table(f"rec_{form.id}", sa.MetaData(), autoload_with=db.engine)
    return [
        dict(r) for r in db.session.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    ]


def chosen(form) -> list[tuple]:
    return [
        tuple(r)
        for r in db.session.execute(
            sa.text(
                f"SELECT record_id, field, value FROM rec_{form.id}_values "
                "ORDER BY record_id, value"
            )
        )
    ]


def snapshot(form) -> dict:
    """Everything a form's tables hold: columns, indexes, rows and chosen values."""
    return {
        "columns": columns(form),
        "indexes": indexes(form),
        "rows": rows(form),
        "chosen": chosen(form),
    }


def catalogue(form) -> list[tuple]:
    db.session.refresh(form)
    return [(e["key"], e["column"], e["kind"], e["retired"]) for e in form.storage]


def actions(version: FormVersion) -> list[tuple[str, str]]:
    return [(c["action"], c["key"]) for c in version.changes]


def versions(form) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(FormVersion.number)
            .where(FormVersion.form_id == form.id)
            .order_by(FormVersion.number)
        )
    )


def listing(client, form) -> tuple[list[str], list[list[str]]]:
    """Headings and rows of cells (newest record first) of the staff list view."""
    response = client.get(f"/staff/forms/{form.id}/records")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    headings = _texts(html[html.index("<thead>") : html.index("</thead>")], "th")
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return headings, [_texts(tr, "td") for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _texts(html: str, tag: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", html, re.S)
    ]


def column_values(client, form, heading: str) -> list[str]:
    """The list view's cells under *heading*, oldest record first."""
    headings, table = listing(client, form)
    return [row[headings.index(heading)] for row in reversed(table)]


def exported(client, form) -> list[dict]:
    response = client.get(f"/staff/forms/{form.id}/records.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.fixture
def form(client, make_form):
    """BASE published (version 1) with two records."""
    published = make_form(BASE)
    submit(client, published, FIRST)
    submit(client, published, SECOND)
    return published


# -- first publish -------------------------------------------------------------------------


def test_first_publish_creates_the_table_with_typed_columns_and_indexes(make_form):
    form = make_form(BASE)
    assert [(name, kind) for name, kind in columns(form) if name.startswith("f_")] == [
        ("f_name", "TEXT"),
        ("f_age", "BIGINT"),
        ("f_ward", "TEXT"),
        ("f_note", "TEXT"),
    ]
    assert {name for name, _ in columns(form)} >= {
        "id",
        "receipt_no",
        "status",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "form_version",
        "idempotency_token",
    }
    found = indexes(form)
    for column in ("f_name", "f_age", "f_ward"):
        assert found[f"ix_rec_{form.id}_{column}"] == [column, "id"]
    assert not any(cols[0] == "f_note" for cols in found.values())  # long text: not indexed
    values_indexes = {
        i["name"]: i["column_names"]
        for i in sa.inspect(db.engine).get_indexes(f"rec_{form.id}_values")
    }
    assert values_indexes[f"ix_rec_{form.id}_values_field_value"] == ["field", "value", "record_id"]
    version = form.published_version
    assert version.number == 1
    assert actions(version) == [("added", k) for k in ("name", "age", "ward", "days", "note")]
    assert catalogue(form) == [
        ("name", "f_name", "text", False),
        ("age", "f_age", "integer", False),
        ("ward", "f_ward", "text", False),
        ("days", "f_days", "multi", False),
        ("note", "f_note", "longtext", False),
    ]


def test_every_filterable_type_gets_an_index(make_form):
    document = {
        "title": "索引",
        "slug": "indexed",
        "fields": [
            {"key": "t", "type": "text", "label": "t"},
            {"key": "ta", "type": "textarea", "label": "ta"},
            {"key": "n", "type": "number", "label": "n"},
            {"key": "dec", "type": "number", "label": "dec", "decimals": 2},
            {"key": "e", "type": "email", "label": "e"},
            {"key": "tel", "type": "tel", "label": "tel"},
            {"key": "d", "type": "date", "label": "d"},
            {"key": "r", "type": "radio", "label": "r", "choices": ["x"]},
            {"key": "s", "type": "select", "label": "s", "choices": ["x"]},
            {"key": "c", "type": "checkboxes", "label": "c", "choices": ["x"]},
            {"key": "ok", "type": "consent", "label": "ok"},
        ],
    }
    form = make_form(document)
    indexed = {cols[0] for cols in indexes(form).values()}
    for column in ("f_t", "f_n", "f_dec", "f_e", "f_tel", "f_d", "f_r", "f_s", "f_ok"):
        assert column in indexed, column
    assert "f_ta" not in indexed
    assert dict(columns(form))["f_dec"] == "NUMERIC(30, 10)"
    assert dict(columns(form))["f_d"] == "DATE"
    assert dict(columns(form))["f_ok"] == "BOOLEAN"


# -- additions -----------------------------------------------------------------------------


def test_new_field_adds_a_column_and_keeps_every_value(client, staff, staff_client, form):
    before = snapshot(form)

    def add_email(document):
        document["fields"].insert(1, {"key": "email", "type": "email", "label": "メール"})

    document = copy.deepcopy(form.draft)
    add_email(document)
    operations.save_draft(form, document)
    planned = operations.preview_publish(form)
    assert [(c.action, c.key) for c in planned.changes] == [("added", "email")]
    assert snapshot(form) == before  # a preview changes nothing

    version = operations.publish(form, staff)
    after = snapshot(form)
    assert after["columns"] == before["columns"] + [("f_email", "TEXT")]
    assert after["indexes"] == before["indexes"] | {f"ix_rec_{form.id}_f_email": ["f_email", "id"]}
    assert [{k: v for k, v in r.items() if k != "f_email"} for r in after["rows"]] == before["rows"]
    assert [r["f_email"] for r in after["rows"]] == [None, None]
    assert after["chosen"] == before["chosen"]
    assert version.number == 2 and versions(form) == [1, 2]
    assert actions(version) == [("added", "email")]
    assert version.changes[0] == vars(storage_plan.Change("added", "email", "メール"))
    assert version.published_by_id == staff.id
    assert field_of(version.document, "email")["type"] == "email"

    submit(client, form, {"f_name": "三人目", "f_email": "ｃ＠ｅｘａｍｐｌｅ．ｊｐ"})
    latest = rows(form)[-1]
    assert (latest["f_email"], latest["form_version"]) == ("c@example.jp", 2)
    assert [r["form_version"] for r in rows(form)] == [1, 1, 2]
    assert column_values(staff_client, form, "メール") == ["", "", "c@example.jp"]
    assert column_values(staff_client, form, "年齢") == ["30", "45", ""]


def test_new_field_inside_a_new_section_adds_its_column(staff, form):
    def add_section(document):
        document["fields"].append(
            {
                "type": "section",
                "key": "contact",
                "label": "連絡先",
                "fields": [
                    {"key": "tel", "type": "tel", "label": "電話"},
                    {"key": "visit", "type": "date", "label": "来庁日"},
                ],
            }
        )

    version = republish(form, staff, add_section)
    assert actions(version) == [("added", "tel"), ("added", "visit")]
    assert ("f_tel", "TEXT") in columns(form) and ("f_visit", "DATE") in columns(form)
    assert indexes(form)[f"ix_rec_{form.id}_f_visit"] == ["f_visit", "id"]
    assert len(rows(form)) == 2


# -- removals ------------------------------------------------------------------------------


def test_removed_field_retires_its_column_and_keeps_showing_its_values(
    client, staff, staff_client, form
):
    before = snapshot(form)
    version = republish(form, staff, without("age", "days"))

    assert actions(version) == [("retired", "age"), ("retired", "days")]
    assert snapshot(form) == before  # no column dropped, no value touched
    assert catalogue(form) == [
        ("name", "f_name", "text", False),
        ("age", "f_age", "integer", True),
        ("ward", "f_ward", "text", False),
        ("days", "f_days", "multi", True),
        ("note", "f_note", "longtext", False),
    ]

    page = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert 'name="f_age"' not in page and 'name="f_days"' not in page
    submit(client, form, {"f_name": "三人目", "f_age": "50", "f_days": ["d1"]})
    assert rows(form)[-1]["f_age"] is None  # a retired column takes no new answers
    assert chosen(form) == before["chosen"]

    headings, _ = listing(staff_client, form)
    assert "年齢 (廃止)" in headings and "希望日 (廃止)" in headings
    assert headings.index("年齢 (廃止)") > headings.index("備考")  # retired columns come last
    assert column_values(staff_client, form, "年齢 (廃止)") == ["30", "45", ""]
    assert column_values(staff_client, form, "希望日 (廃止)") == ["6月30日、7月1日", "7月1日", ""]
    html = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert '<th scope="col" class="retired">' in html

    first_id = rows(form)[0]["id"]
    detail = staff_client.get(f"/staff/forms/{form.id}/records/{first_id}")
    assert detail.status_code == 200
    assert "年齢 (廃止)" in detail.get_data(as_text=True)
    assert "6月30日、7月1日" in detail.get_data(as_text=True)

    csv_rows = exported(staff_client, form)
    assert [r["年齢 (廃止)"] for r in csv_rows] == ["30", "45", ""]
    assert [r["希望日 (廃止)"] for r in csv_rows] == ["6月30日、7月1日", "7月1日", ""]
    assert [r["氏名"] for r in csv_rows] == ["一関 太郎", "花泉 花子", "三人目"]


def test_removing_a_field_from_a_section_retires_it(staff, make_form):
    document = {
        "title": "節",
        "slug": "sections",
        "fields": [
            {"key": "name", "type": "text", "label": "氏名"},
            {
                "type": "section",
                "key": "work",
                "label": "勤務",
                "fields": [
                    {"key": "hours", "type": "number", "label": "時間"},
                    {"key": "place", "type": "text", "label": "場所"},
                ],
            },
        ],
    }
    form = make_form(document)

    def drop_hours(doc):
        doc["fields"][1]["fields"] = [f for f in doc["fields"][1]["fields"] if f["key"] != "hours"]

    version = republish(form, staff, drop_hours)
    assert actions(version) == [("retired", "hours")]
    assert ("f_hours", "BIGINT") in columns(form)


# -- edits that need no storage change -----------------------------------------------------


def test_label_help_and_choice_label_changes_change_no_storage(client, staff, staff_client, form):
    before = snapshot(form)
    storage_before = catalogue(form)

    def edit(document):
        field_of(document, "name")["label"] = "お名前"
        field_of(document, "age")["help"] = "投票日現在の年齢"
        field_of(document, "ward")["choices"] = [
            {"value": "a", "label": "一関"},
            {"value": "b", "label": "花泉町"},
        ]
        field_of(document, "days")["choices"] = [
            {"value": "d1", "label": "6/30（日）"},
            {"value": "d2", "label": "7/1（月）"},
        ]
        document["fields"].reverse()  # moving fields around is no storage change either

    version = republish(form, staff, edit)
    assert snapshot(form) == before
    assert catalogue(form) == storage_before
    assert sorted(actions(version)) == [
        ("changed", "age"),
        ("changed", "days"),
        ("changed", "ward"),
        ("relabelled", "name"),
    ]
    relabel = next(c for c in version.changes if c["action"] == "relabelled")
    assert (relabel["label"], relabel["detail"]) == ("お名前", "氏名")
    assert versions(form) == [1, 2]
    first = db.session.scalar(
        sa.select(FormVersion).where(FormVersion.form_id == form.id, FormVersion.number == 1)
    )
    assert field_of(first.document, "name")["label"] == "氏名"  # history is kept as published

    # the old answers are shown with today's labels
    assert column_values(staff_client, form, "お名前") == ["一関 太郎", "花泉 花子"]
    assert column_values(staff_client, form, "地区") == ["花泉町", "一関"]
    assert column_values(staff_client, form, "希望日") == ["6/30（日）、7/1（月）", "7/1（月）"]
    assert [r["地区"] for r in exported(staff_client, form)] == ["花泉町", "一関"]


def test_publishing_an_unchanged_draft_adds_a_version_without_changes(staff, form):
    before = snapshot(form)
    version = operations.publish(form, staff)
    assert version.number == 2 and version.changes == []
    assert snapshot(form) == before


@pytest.mark.parametrize(
    ("key", "new_spec"),
    [
        ("name", {"type": "email", "label": "氏名"}),
        ("ward", {"type": "select", "label": "地区", "choices": WARDS}),
    ],
    ids=["text-to-email", "radio-to-select"],
)
def test_compatible_type_change_keeps_the_column(staff, staff_client, form, key, new_spec):
    before = snapshot(form)

    def retype(document):
        position = [f["key"] for f in document["fields"]].index(key)
        document["fields"][position] = {"key": key, **new_spec}

    version = republish(form, staff, retype)
    assert snapshot(form) == before
    assert actions(version) == [("changed", key)]
    entry = next(e for e in form.storage if e["key"] == key)
    assert (entry["column"], entry["type"], entry["retired"]) == (
        f"f_{key}",
        new_spec["type"],
        False,
    )
    assert len(column_values(staff_client, form, new_spec["label"])) == 2


# -- incompatible type changes -------------------------------------------------------------

RETYPES = {
    "text-to-number": (
        {"key": "code", "type": "text", "label": "番号"},
        "A-1",
        "A-1",
        {"key": "code", "type": "number", "label": "番号"},
        "４２",
        42,
        "BIGINT",
        "text → number",
    ),
    "integer-to-date": (
        {"key": "code", "type": "number", "label": "番号"},
        "30",
        30,
        {"key": "code", "type": "date", "label": "番号"},
        "2026年4月1日",
        dt.date(2026, 4, 1),
        "DATE",
        "number → date",
    ),
    "integer-to-decimal": (
        {"key": "code", "type": "number", "label": "番号"},
        "30",
        30,
        {"key": "code", "type": "number", "label": "番号", "decimals": 2},
        "1.25",
        Decimal("1.25"),
        "NUMERIC(30, 10)",
        "number → number",
    ),
    "text-to-consent": (
        {"key": "code", "type": "text", "label": "番号"},
        "はい",
        "はい",
        {"key": "code", "type": "consent", "label": "番号"},
        "y",
        True,
        "BOOLEAN",
        "text → consent",
    ),
}


@pytest.mark.parametrize(
    (
        "old_spec",
        "old_posted",
        "old_stored",
        "new_spec",
        "new_posted",
        "new_stored",
        "sql_type",
        "detail",
    ),
    RETYPES.values(),
    ids=RETYPES.keys(),
)
def test_incompatible_type_change_keeps_the_old_column_and_adds_a_new_one(
    client,
    staff,
    staff_client,
    make_form,
    old_spec,
    old_posted,
    old_stored,
    new_spec,
    new_posted,
    new_stored,
    sql_type,
    detail,
):
    form = make_form(
        {
            "title": "型変更",
            "slug": "retype",
            "fields": [{"key": "name", "type": "text", "label": "氏名"}, old_spec],
        }
    )
    submit(client, form, {"f_name": "前", "f_code": old_posted})
    old_columns = columns(form)

    def retype(document):
        document["fields"][1] = copy.deepcopy(new_spec)

    version = republish(form, staff, retype)
    assert columns(form) == old_columns + [("f_code_2", sql_type)]
    assert indexes(form)[f"ix_rec_{form.id}_f_code_2"] == ["f_code_2", "id"]
    assert actions(version) == [("retyped", "code")]
    assert version.changes[0]["detail"] == detail
    assert [(k, c, r) for k, c, _, r in catalogue(form)] == [
        ("name", "f_name", False),
        ("code", "f_code", True),
        ("code", "f_code_2", False),
    ]

    submit(client, form, {"f_name": "後", "f_code": new_posted})
    stored = rows(form)
    assert [(r["f_code"], r["f_code_2"]) for r in stored] == [
        (old_stored, None),
        (None, new_stored),
    ]
    assert type(stored[1]["f_code_2"]) is type(new_stored)

    old_heading = "番号 (廃止)"
    assert column_values(staff_client, form, old_heading)[0] == str(old_stored)
    assert column_values(staff_client, form, old_heading)[1] == ""
    assert column_values(staff_client, form, "番号")[0] == ""
    csv_rows = exported(staff_client, form)
    assert [r[old_heading] for r in csv_rows] == [str(old_stored), ""]
    assert csv_rows[1]["番号"] != ""


def test_single_to_multiple_choice_keeps_the_old_answers(client, staff, staff_client, form):
    def to_checkboxes(document):
        field_of(document, "ward")["type"] = "checkboxes"

    version = republish(form, staff, to_checkboxes)
    assert actions(version) == [("retyped", "ward")]
    assert [
        (c["key"], c["column"], c["kind"], c["retired"]) for c in form.storage if c["key"] == "ward"
    ] == [("ward", "f_ward", "text", True), ("ward", "f_ward_2", "multi", False)]
    assert [r["f_ward"] for r in rows(form)] == ["b", "a"]
    submit(client, form, {"f_name": "三人目", "f_ward": ["a", "b"]})
    new_id = rows(form)[-1]["id"]
    assert [v for rid, column, v in chosen(form) if column == "f_ward_2"] == ["a", "b"]
    assert all(rid == new_id for rid, column, _ in chosen(form) if column == "f_ward_2")
    assert column_values(staff_client, form, "地区 (廃止)") == ["花泉", "一関", ""]
    assert column_values(staff_client, form, "地区") == ["", "", "一関、花泉"]


def test_multiple_to_single_choice_keeps_the_old_answers(client, staff, staff_client, form):
    before = chosen(form)

    def to_radio(document):
        field_of(document, "days")["type"] = "radio"

    republish(form, staff, to_radio)
    assert ("f_days_2", "TEXT") in columns(form)
    assert chosen(form) == before
    submit(client, form, {"f_name": "三人目", "f_days": "d1"})
    assert rows(form)[-1]["f_days_2"] == "d1"
    assert column_values(staff_client, form, "希望日 (廃止)") == ["6月30日、7月1日", "7月1日", ""]
    assert column_values(staff_client, form, "希望日") == ["", "", "6月30日"]


# -- fields that come back -----------------------------------------------------------------


def test_removed_then_readded_field_reuses_its_retired_column(client, staff, staff_client, form):
    original = snapshot(form)
    republish(form, staff, without("age", "days"))
    submit(client, form, {"f_name": "削除中"})

    def readd(document):
        document["fields"].insert(
            1, {"key": "age", "type": "number", "label": "年齢（再）", "min": 18, "max": 99}
        )
        document["fields"].append(
            {"key": "days", "type": "checkboxes", "label": "希望日", "choices": DAYS}
        )

    version = republish(form, staff, readd)
    assert actions(version) == [("restored", "age"), ("restored", "days")]
    assert columns(form) == original["columns"]  # no new column: the old one is back
    assert indexes(form) == original["indexes"]
    assert [(k, c, r) for k, c, _, r in catalogue(form)] == [
        ("name", "f_name", False),
        ("age", "f_age", False),
        ("ward", "f_ward", False),
        ("days", "f_days", False),
        ("note", "f_note", False),
    ]
    assert versions(form) == [1, 2, 3]

    submit(client, form, {"f_name": "復活後", "f_age": "20", "f_days": ["d1"]})
    assert [r["f_age"] for r in rows(form)] == [30, 45, None, 20]
    assert column_values(staff_client, form, "年齢（再）") == ["30", "45", "", "20"]
    assert column_values(staff_client, form, "希望日") == [
        "6月30日、7月1日",
        "7月1日",
        "",
        "6月30日",
    ]
    headings, _ = listing(staff_client, form)
    assert not any("廃止" in h for h in headings)


def test_readded_field_of_another_kind_gets_a_new_column(staff, form):
    republish(form, staff, without("age"))

    def readd_as_text(document):
        document["fields"].append({"key": "age", "type": "text", "label": "年齢"})

    version = republish(form, staff, readd_as_text)
    assert actions(version) == [("added", "age")]
    assert ("f_age", "BIGINT") in columns(form) and ("f_age_2", "TEXT") in columns(form)
    assert [r["f_age"] for r in rows(form)] == [30, 45]
    entries = [(c["column"], c["retired"]) for c in form.storage if c["key"] == "age"]
    assert entries == [("f_age", True), ("f_age_2", False)]


def test_changing_a_type_back_restores_the_first_column(client, staff, staff_client, form):
    def to_text(document):
        field_of(document, "age")["type"] = "text"
        for setting in ("min", "max", "decimals", "unit", "placeholder"):
            field_of(document, "age").pop(setting, None)

    republish(form, staff, to_text)
    submit(client, form, {"f_name": "文字", "f_age": "三十"})

    def to_number(document):
        field_of(document, "age").update(type="number", min=18, max=99)
        field_of(document, "age").pop("max_length", None)
        field_of(document, "age").pop("kana", None)

    version = republish(form, staff, to_number)
    assert actions(version) == [("retyped", "age")]
    assert [(c["column"], c["kind"], c["retired"]) for c in form.storage if c["key"] == "age"] == [
        ("f_age", "integer", False),
        ("f_age_2", "text", True),
    ]
    assert [c for c, _ in columns(form)].count("f_age_3") == 0
    assert [(r["f_age"], r["f_age_2"]) for r in rows(form)] == [
        (30, None),
        (45, None),
        (None, "三十"),
    ]
    assert column_values(staff_client, form, "年齢") == ["30", "45", ""]
    assert column_values(staff_client, form, "年齢 (廃止)") == ["", "", "三十"]


# -- publishing is atomic ------------------------------------------------------------------


def _add_fields(document):
    document["fields"].append({"key": "email", "type": "email", "label": "メール"})
    document["fields"].append({"key": "visit", "type": "date", "label": "来庁日"})
    field_of(document, "age")["type"] = "text"
    for setting in ("min", "max", "decimals", "unit", "placeholder", "default"):
        field_of(document, "age").pop(setting, None)


def _fail_after_apply(monkeypatch, seen):
    real = record_tables.apply

    def apply_then_fail(connection, form_id, *args, **kwargs):
        real(connection, form_id, *args, **kwargs)
        seen.extend(c["name"] for c in sa.inspect(connection).get_columns(f"rec_{form_id}"))
        raise RuntimeError("disk full")

    monkeypatch.setattr(record_tables, "apply", apply_then_fail)


def _fail_creating_an_index(monkeypatch, seen):
    real = sa.Index.create

    def create(index, bind, *args, **kwargs):
        if index.name.endswith("_f_visit"):  # after f_email's column and index were made
            seen.extend(c["name"] for c in sa.inspect(bind).get_columns(index.table.name))
            raise RuntimeError("disk full")
        return real(index, bind, *args, **kwargs)

    monkeypatch.setattr(sa.Index, "create", create)


@pytest.mark.parametrize(
    "fail", [_fail_after_apply, _fail_creating_an_index], ids=["after-all-ddl", "at-an-index"]
)
def test_a_publish_that_fails_midway_changes_nothing(
    client, staff, staff_client, form, monkeypatch, fail
):
    before = snapshot(form)
    storage_before = copy.deepcopy(form.storage)
    document = copy.deepcopy(form.draft)
    _add_fields(document)
    operations.save_draft(form, document)
    seen: list[str] = []
    fail(monkeypatch, seen)

    with pytest.raises(RuntimeError, match="disk full"):
        operations.publish(form, staff)
    assert {"f_email", "f_visit"} <= set(seen)  # the DDL had run when it failed

    monkeypatch.undo()
    db.session.expire_all()
    assert snapshot(form) == before
    fresh = db.session.get(Form, form.id)
    assert fresh.storage == storage_before
    assert fresh.published_version.number == 1
    assert versions(form) == [1]
    assert fresh.draft == definitions.load(document).document  # the draft is kept
    page = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert 'name="f_email"' not in page and 'name="f_age"' in page
    submit(client, form, {"f_name": "失敗後", "f_age": "40"})
    assert rows(form)[-1]["f_age"] == 40

    # nothing was left half-done: publishing again works and adds the columns once
    version = operations.publish(form, staff)
    assert version.number == 2
    assert sorted(actions(version)) == [("added", "email"), ("added", "visit"), ("retyped", "age")]
    names = [c for c, _ in columns(form)]
    assert names[: len(before["columns"])] == [c for c, _ in before["columns"]]
    assert sorted(names[len(before["columns"]) :]) == ["f_age_2", "f_email", "f_visit"]
    assert f"ix_rec_{form.id}_f_visit" in indexes(form)
    assert [r["f_age"] for r in rows(form)] == [30, 45, 40]


def test_a_first_publish_that_fails_creates_no_table(staff, make_form, monkeypatch):
    form = make_form(BASE, publish=False)
    _fail_after_apply(monkeypatch, [])
    with pytest.raises(RuntimeError):
        operations.publish(form, staff)
    db.session.expire_all()
    assert not sa.inspect(db.engine).has_table(f"rec_{form.id}")
    assert not sa.inspect(db.engine).has_table(f"rec_{form.id}_values")
    fresh = db.session.get(Form, form.id)
    assert fresh.published_version_id is None and fresh.storage == [] and versions(form) == []

    monkeypatch.undo()
    assert operations.publish(fresh, staff).number == 1
    assert sa.inspect(db.engine).has_table(f"rec_{form.id}")
