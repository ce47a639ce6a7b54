"""The summary dashboard and the staff analysis pages, checked against plain Python counts
of the same answers."""

from __future__ import annotations

import io
import statistics
from collections import Counter

import openpyxl
import pytest

from app import rights
from app.extensions import db
from app.models import Grant
from app.records import summary
from app.records.access import FieldNotVisible, RecordAccess
from app.records.aggregate import Dimension, Measure
from tests.analysis_data import fiscal_year, generate, make_survey, store_rows
from tests.conftest import log_in

COUNT = 50


@pytest.fixture
def survey(make_form):
    form = make_survey(make_form)
    rows = generate(COUNT, seed=11)
    store_rows(form, rows)
    return form, rows


def _column(form, key):
    return next(e["column"] for e in form.storage if e["key"] == key)


def test_summary_counts_match_counter(app, survey, staff):
    form, rows = survey
    with app.test_request_context():
        result = summary.build(RecordAccess(staff, form), [], "Asia/Tokyo")
    assert result.total == COUNT
    days = Counter(r["received"].date().isoformat() for r in rows)
    assert {k: n for k, _label, n in result.per_period if n} == dict(days)
    # every day between the first and the last is listed, days without answers as 0
    assert (
        len(result.per_period)
        == (max(r["received"] for r in rows).date() - min(r["received"] for r in rows).date()).days
        + 1
        or result.period == "month"
    )
    choices = {c.entry["key"]: c for c in result.choices}
    assert set(choices) == {"dept", "answer", "topics"}
    dept = Counter(r["dept"] for r in rows)
    assert {s.key: s.count for s in choices["dept"].shares} == {
        k: dept[k] for k in ["soumu", "fukushi", "kyoiku", None]
    }
    assert [s.key for s in choices["dept"].shares] == ["soumu", "fukushi", "kyoiku", None]
    assert choices["dept"].shares[0].percent == pytest.approx(dept["soumu"] * 100 / COUNT)
    assert choices["dept"].answered == COUNT - dept[None]
    topics = Counter(t for r in rows for t in r["topics"])
    assert {s.key: s.count for s in choices["topics"].shares if s.key} == dict(topics)
    assert choices["topics"].answered == sum(1 for r in rows if r["topics"])
    numbers = {n.entry["key"]: n.figures for n in result.numbers}
    hours = [r["hours"] for r in rows if r["hours"] is not None]
    figures = numbers["hours"]
    assert (figures.count, figures.low, figures.high, figures.total) == (
        len(hours),
        min(hours),
        max(hours),
        sum(hours),
    )
    assert figures.mean == pytest.approx(statistics.fmean(hours))
    assert figures.median == statistics.median(hours)
    scores = [float(r["score"]) for r in rows if r["score"] is not None]
    assert numbers["score"].median == pytest.approx(statistics.median(scores))
    assert numbers["score"].total == pytest.approx(sum(scores))
    texts = {t.entry["key"]: t for t in result.texts}
    assert set(texts) == {"name", "note"}
    notes = [r for r in rows if r["note"]]
    assert [v for *_rest, v in texts["note"].items] == [r["note"] for r in notes[::-1][:5]]


def test_summary_respects_filters(app, survey, staff):
    form, rows = survey
    access = RecordAccess(staff, form)
    with app.test_request_context():
        parsed = access.filters({f"{_column(form, 'dept')}": "fukushi"})
        result = summary.build(access, parsed.conditions, "Asia/Tokyo")
    chosen = [r for r in rows if r["dept"] == "fukushi"]
    assert result.total == len(chosen)
    answer = Counter(r["answer"] for r in chosen)
    shares = next(c for c in result.choices if c.entry["key"] == "answer").shares
    assert {s.key: s.count for s in shares if s.count} == {k: v for k, v in answer.items()}


@pytest.mark.parametrize("count", [1, 2, 7, 10])
def test_median_of_few_and_many_distinct_values(app, make_form, staff, count, monkeypatch):
    from app.records import aggregate

    form = make_survey(make_form)
    values = [(i * 7) % 11 for i in range(count)]
    store_rows(
        form,
        [{"hours": v, "topics": [], "received": generate(1)[0]["received"]} for v in values],
    )
    access = RecordAccess(staff, form)
    assert access.number_summary([], _column(form, "hours")).median == statistics.median(values)
    monkeypatch.setattr(aggregate, "MEDIAN_DISTINCT", 1)  # the sorted-offset way
    assert access.number_summary([], _column(form, "hours")).median == statistics.median(values)


def test_hidden_fields_are_refused_and_left_out(app, survey, make_user, other_department):
    form, _rows = survey
    user = make_user("limited", dept=other_department)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=user.id,
            rights=[rights.VIEW_RECORDS],
            fields={"hours": rights.HIDDEN, "topics": rights.HIDDEN, "note": rights.HIDDEN},
        )
    )
    db.session.commit()
    access = RecordAccess(user, form)
    with pytest.raises(FieldNotVisible):
        access.number_summary([], _column(form, "hours"))
    with pytest.raises(FieldNotVisible):
        access.latest_values([], _column(form, "note"))
    topics = next(e for e in form.storage if e["key"] == "topics")
    with pytest.raises(FieldNotVisible):
        access.aggregate(
            [],
            [
                Dimension(
                    "topics",
                    topics["column"],
                    topics["kind"],
                    access.types()[_column(form, "dept")],
                    "value",
                )
            ],
            Measure(),
        )
    with app.test_request_context():
        result = summary.build(access, [], "Asia/Tokyo")
    keys = {i.entry["key"] for i in result.choices + result.numbers + result.texts}
    assert keys == {"dept", "answer", "score", "name"}


def test_summary_and_crosstab_pages(client, survey, staff):
    form, rows = survey
    log_in(client, staff)
    page = client.get(f"/staff/forms/{form.id}/records/summary")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "総務課" in html and 'type="application/json"' in html
    dept = _column(form, "dept")
    table = client.get(
        f"/staff/forms/{form.id}/records/crosstab?rows=dept&cols=answer&pct=row&{dept}=soumu"
    )
    assert table.status_code == 200
    text = table.get_data(as_text=True)
    soumu = [r for r in rows if r["dept"] == "soumu"]
    assert f'id="crosstab-total">{len(soumu)}' in text
    assert "総務課" in text and "未回答" in text
    refused = client.get(f"/staff/forms/{form.id}/records/crosstab?rows=visit:decade")
    assert refused.status_code == 422


def test_crosstab_files(client, survey, staff):
    form, rows = survey
    log_in(client, staff)
    query = "rows=created_at:fy&cols=dept&pct=total"
    csv_response = client.get(f"/staff/forms/{form.id}/records/crosstab.csv?{query}")
    assert csv_response.status_code == 200
    body = csv_response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "総務課" in text and "年度" in text
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/staff/forms/{form.id}/records/crosstab.xlsx?{query}").get_data())
    )
    sheet = workbook.active
    cells = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(cells) if row[1] == "総務課")
    years = Counter((fiscal_year(r["received"].date()), r["dept"]) for r in rows)
    first = cells[header + 1]
    assert isinstance(first[1], int)
    year = int(str(first[0]).removesuffix("年度"))
    assert first[1] == years[(year, "soumu")]
    assert cells[header + 1 + len({fiscal_year(r["received"].date()) for r in rows})][0] == "合計"


def test_formula_cells_are_neutralised(client, make_form, staff):
    document = {
        "title": "式",
        "slug": "formula",
        "fields": [{"key": "q", "type": "radio", "label": "=1+1", "choices": ["=cmd|x", "b"]}],
    }
    form = make_form(document)
    from app.forms import operations
    from app.records.submission import submit

    submit(form, operations.load_draft(form), {"q": "=cmd|x"})
    log_in(client, staff)
    text = (
        client.get(f"/staff/forms/{form.id}/records/crosstab.csv?rows=q")
        .get_data()
        .decode("utf-8-sig")
    )
    assert "'=cmd|x" in text and "'=1+1" in text
