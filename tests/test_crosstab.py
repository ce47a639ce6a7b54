"""Cross-tabulation: the API contract, and every number checked against a plain Python
count of the same answers."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict

import pytest

from app import rights
from app.extensions import db
from app.models import Grant
from app.tokens import create_token
from tests.analysis_data import JST, fiscal_year, generate, make_survey, store_rows

COUNT = 60


@pytest.fixture
def survey(make_form):
    form = make_survey(make_form)
    rows = generate(COUNT)
    store_rows(form, rows)
    return form, rows


def _get(api, form, query: str):
    return api.get(f"/api/v1/forms/{form.id}/crosstab?{query}")


def _table(body) -> dict:
    """{(row key..., col key...): cell} from an API answer."""
    return {
        (*row, *col): cell
        for row, cells in zip(body["row_keys"], body["cells"], strict=True)
        for col, cell in zip(body["col_keys"], cells, strict=True)
    }


def test_two_choice_fields_count_like_counter(api, survey):
    form, rows = survey
    response = _get(api, form, "rows=dept&cols=answer")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"row_keys", "col_keys", "cells", "row_totals", "col_totals", "total"}
    expected = Counter((r["dept"], r["answer"]) for r in rows)
    table = _table(body)
    assert {k: v for k, v in table.items() if v} == dict(expected)
    # keys in the choices' order, the empty group (null) last
    assert body["row_keys"] == [[k] for k in ["soumu", "fukushi", "kyoiku", None]]
    assert body["col_keys"] == [[k] for k in ["高い", "普通", "低い", None]]
    by_row = Counter(r["dept"] for r in rows)
    by_col = Counter(r["answer"] for r in rows)
    assert body["row_totals"] == [by_row[k[0]] for k in body["row_keys"]]
    assert body["col_totals"] == [by_col[k[0]] for k in body["col_keys"]]
    assert body["total"] == COUNT


def test_no_columns_gives_one_column_and_no_rows_one_row(api, survey):
    form, rows = survey
    body = _get(api, form, "rows=answer").get_json()
    assert body["col_keys"] == [[]]
    counts = Counter(r["answer"] for r in rows)
    assert [c[0] for c in body["cells"]] == [counts[k[0]] for k in body["row_keys"]]
    assert body["col_totals"] == [COUNT] and body["total"] == COUNT
    whole = _get(api, form, "").get_json()
    assert whole == {
        "row_keys": [[]],
        "col_keys": [[]],
        "cells": [[COUNT]],
        "row_totals": [COUNT],
        "col_totals": [COUNT],
        "total": COUNT,
    }


def test_multiple_choice_counts_each_option_and_totals_each_record_once(api, survey):
    form, rows = survey
    body = _get(api, form, "rows=topics&cols=dept").get_json()
    expected = Counter()
    for r in rows:
        for topic in r["topics"] or [None]:
            expected[(topic, r["dept"])] += 1
    table = _table(body)
    assert {k: v for k, v in table.items() if v} == dict(expected)
    assert body["row_keys"] == [["t1"], ["t2"], ["t3"], [None]]
    # a column's total counts each record once, not once per chosen option
    by_dept = Counter(r["dept"] for r in rows)
    assert body["col_totals"] == [by_dept[k[0]] for k in body["col_keys"]]
    assert body["total"] == COUNT
    per_topic = Counter(t for r in rows for t in r["topics"] or [None])
    assert body["row_totals"] == [per_topic[k[0]] for k in body["row_keys"]]


def test_two_multiple_choice_groupings(api, survey):
    form, rows = survey
    body = _get(api, form, "rows=topics,dept&cols=topics").get_json()
    assert body["total"] == COUNT
    expected = Counter()
    for r in rows:
        for a in r["topics"] or [None]:
            for b in r["topics"] or [None]:
                expected[(a, r["dept"], b)] += 1
    assert {k: v for k, v in _table(body).items() if v} == dict(expected)


def test_fiscal_year_of_the_receipt_time_is_japan_time(api, survey):
    form, rows = survey
    body = _get(api, form, "rows=created_at:fy&cols=dept").get_json()
    expected = Counter((fiscal_year(r["received"].date()), r["dept"]) for r in rows)
    assert {k: v for k, v in _table(body).items() if v} == dict(expected)
    # 23:59 on 31 March (Japan) is the year before; 00:00:30 on 1 April (15:00 UTC on
    # 31 March) is the new year
    years = [k[0] for k in body["row_keys"]]
    assert years == [2024, 2025, 2026] or years == [2025, 2026] or years == [2024, 2025]
    assert set(years) == {fiscal_year(r["received"].date()) for r in rows}
    day = _get(api, form, "rows=created_at:day").get_json()
    expected_days = Counter(r["received"].date().isoformat() for r in rows)
    assert (
        dict(zip([k[0] for k in day["row_keys"]], [c[0] for c in day["cells"]], strict=True))
        == expected_days
    )


@pytest.mark.parametrize(
    ("when", "year"),
    [
        (dt.datetime(2026, 3, 31, 23, 59, 59, tzinfo=JST), 2025),
        (dt.datetime(2026, 4, 1, 0, 0, 0, tzinfo=JST), 2026),
    ],
)
def test_fiscal_year_boundary_of_one_record(api, make_form, when, year):
    form = make_survey(make_form)
    store_rows(form, [{"answer": "高い", "topics": [], "visit": None, "received": when}])
    body = _get(api, form, "rows=created_at:fy").get_json()
    assert body["row_keys"] == [[year]]
    month = _get(api, form, "rows=created_at:month").get_json()
    assert month["row_keys"] == [[when.strftime("%Y-%m")]]


def test_date_field_groupings(api, survey):
    form, rows = survey
    visits = [r["visit"] for r in rows]
    for grouping, key in [
        ("fy", lambda d: fiscal_year(d)),
        ("year", lambda d: d.year),
        ("month", lambda d: d.strftime("%Y-%m")),
        ("day", lambda d: d.isoformat()),
        ("week", lambda d: (d - dt.timedelta(days=d.weekday())).isoformat()),
    ]:
        body = _get(api, form, f"rows=visit:{grouping}").get_json()
        expected = Counter(None if d is None else key(d) for d in visits)
        got = {k[0]: c[0] for k, c in zip(body["row_keys"], body["cells"], strict=True)}
        assert got == expected, grouping
        assert body["row_keys"][-1] == [None]
    # 31 March 2026 is fiscal 2025, 1 April 2026 fiscal 2026
    body = _get(api, form, "rows=visit:fy").get_json()
    assert [k[0] for k in body["row_keys"]] == [2025, 2026, None]


@pytest.mark.parametrize("function", ["sum", "avg", "min", "max"])
def test_number_measures(api, survey, function):
    form, rows = survey
    body = _get(api, form, f"rows=dept&cols=answer&measure={function}:hours").get_json()
    groups = defaultdict(list)
    for r in rows:
        if r["hours"] is not None:
            groups[(r["dept"], r["answer"])].append(r["hours"])
    compute = {"sum": sum, "avg": statistics.fmean, "min": min, "max": max}[function]
    table = _table(body)
    for key, cell in table.items():
        if key in groups:
            assert cell == pytest.approx(compute(groups[key])), key
        else:
            assert cell is None, key
    every = [r["hours"] for r in rows if r["hours"] is not None]
    assert body["total"] == pytest.approx(compute(every))
    by_row = defaultdict(list)
    for r in rows:
        if r["hours"] is not None:
            by_row[r["dept"]].append(r["hours"])
    for key, total in zip(body["row_keys"], body["row_totals"], strict=True):
        assert total == (pytest.approx(compute(by_row[key[0]])) if by_row[key[0]] else None)


def test_decimal_measure(api, survey):
    form, rows = survey
    body = _get(api, form, "measure=sum:score").get_json()
    assert body["total"] == pytest.approx(float(sum(r["score"] for r in rows if r["score"])))


def test_filters_apply(api, survey):
    form, rows = survey
    body = _get(api, form, "rows=answer&cols=topics&dept=soumu&hours.min=10").get_json()
    chosen = [
        r for r in rows if r["dept"] == "soumu" and r["hours"] is not None and r["hours"] >= 10
    ]
    expected = Counter((r["answer"], t) for r in chosen for t in r["topics"] or [None])
    assert {k: v for k, v in _table(body).items() if v} == dict(expected)
    assert body["total"] == len(chosen)
    multi = _get(api, form, "rows=dept&topics=t2").get_json()
    assert multi["total"] == sum(1 for r in rows if "t2" in r["topics"])


def test_empty_result(api, make_form):
    form = make_survey(make_form)
    body = _get(api, form, "rows=dept&cols=answer").get_json()
    assert body == {
        "row_keys": [],
        "col_keys": [],
        "cells": [],
        "row_totals": [],
        "col_totals": [],
        "total": 0,
    }


@pytest.mark.parametrize(
    ("query", "parameter", "status"),
    [
        ("rows=nosuch", "rows", 422),
        ("rows=dept:fy", "rows", 422),
        ("rows=visit:decade", "rows", 422),
        ("rows=note", "rows", 422),
        ("rows=dept,answer,visit", "rows", 422),
        ("cols=dept,answer", "cols", 422),
        ("rows=dept&measure=sum:dept", "measure", 422),
        ("rows=dept&measure=median:hours", "measure", 422),
        ("rows=dept&measure=sum", "measure", 422),
        ("rows=dept&hours.min=abc", "hours.min", 400),
        ("rows=dept&colz=dept", "colz", 400),
    ],
)
def test_bad_arguments_name_the_parameter(api, survey, query, parameter, status):
    form, _rows = survey
    response = _get(api, form, query)
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert [e["path"] for e in body["errors"]] == [parameter]


def test_hidden_field_is_refused(client, survey, make_user, other_department):
    form, _rows = survey
    user = make_user("limited", dept=other_department)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=user.id,
            rights=[rights.VIEW_RECORDS],
            fields={"hours": rights.HIDDEN, "topics": rights.HIDDEN},
        )
    )
    db.session.commit()
    headers = {"Authorization": f"Bearer {create_token(user)}"}
    for query in ("rows=topics", "cols=topics", "rows=dept&measure=sum:hours", "hours.min=3"):
        response = client.get(f"/api/v1/forms/{form.id}/crosstab?{query}", headers=headers)
        assert response.status_code == 403, query
    assert (
        client.get(f"/api/v1/forms/{form.id}/crosstab?rows=dept", headers=headers).status_code
        == 200
    )
    stranger = make_user("stranger", dept=other_department)
    headers = {"Authorization": f"Bearer {create_token(stranger)}"}
    assert client.get(f"/api/v1/forms/{form.id}/crosstab", headers=headers).status_code == 404


def test_records_in_the_trash_are_left_out(api, app, survey, staff):
    import sqlalchemy as sa

    from app.records import summary
    from app.records.access import RecordAccess
    from app.records.tables import record_table_name

    form, rows = survey
    gone = rows[0]
    table = sa.table(record_table_name(form.id), sa.column("id"), sa.column("deleted_at"))
    db.session.execute(
        table.update().where(table.c.id == gone["id"]).values(deleted_at=dt.datetime(2026, 5, 1))
    )
    db.session.commit()
    live = rows[1:]
    body = _get(api, form, "rows=topics&cols=dept").get_json()
    assert body["total"] == len(live)
    expected = Counter((t, r["dept"]) for r in live for t in r["topics"] or [None])
    assert {k: v for k, v in _table(body).items() if v} == dict(expected)
    with app.test_request_context():
        result = summary.build(RecordAccess(staff, form), [], "Asia/Tokyo")
    assert result.total == len(live)
    topics = next(c for c in result.choices if c.entry["key"] == "topics")
    assert {s.key: s.count for s in topics.shares} == {
        **{t: n for t, n in Counter(t for r in live for t in r["topics"]).items()},
        None: sum(1 for r in live if not r["topics"]),
    }
