"""A cross table saved with a view: saved from the cross-table page, reopened with the
view's filters (the same numbers as the API), downloaded, shared with someone who may not
see every item, and refused with a message when it cannot be built or saved."""

from __future__ import annotations

import html
import io
import re
from urllib.parse import urlencode

import openpyxl
import pytest

from app import rights
from app.extensions import db
from app.models import Grant, SavedView
from app.records import saved_views
from app.records.viewspec import CrossTabSetup, ViewSpec
from app.staff.analysis import format_number
from app.tokens import create_token
from tests.analysis_data import generate, make_survey, store_rows
from tests.conftest import log_in

COUNT = 60
CELL = re.compile(r'data-cell="(\d+)-(\d+)">([^<]*)<')


@pytest.fixture
def survey(make_form):
    form = make_survey(make_form)
    rows = generate(COUNT, seed=11)
    store_rows(form, rows)
    return form, rows


@pytest.fixture
def colleague(make_user, survey, other_department):
    """A user of the form who may read its records, but not the hours or the topics."""
    form, _rows = survey
    user = make_user("colleague", dept=other_department)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=user.id,
            rights=[rights.VIEW_RECORDS],
            fields={"hours": rights.HIDDEN, "topics": rights.HIDDEN},
        )
    )
    db.session.commit()
    return user


def _column(form, key: str) -> str:
    return next(e["column"] for e in form.storage if e["key"] == key)


def _save(client, form, name: str, state: list[tuple[str, str]], **extra):
    return client.post(
        f"/staff/forms/{form.id}/views",
        data={"action": "save", "page": "crosstab", "name": name, "spec": urlencode(state)}
        | extra,
    )


def _view(name: str) -> SavedView:
    db.session.rollback()
    return db.session.query(SavedView).filter_by(name=name).one()


def _api(client, user, form, query: str) -> dict:
    headers = {"Authorization": f"Bearer {create_token(user)}"}
    response = client.get(f"/api/v1/forms/{form.id}/crosstab?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _page_cells(page: str) -> dict[tuple[int, int], str]:
    return {(int(i), int(j)): text for i, j, text in CELL.findall(page)}


def _expected_cells(body: dict) -> dict[tuple[int, int], str]:
    return {
        (i, j): format_number(value)
        for i, row in enumerate(body["cells"])
        for j, value in enumerate(row)
    }


def test_save_a_cross_table_and_reopen_it(client, staff, survey):
    form, rows = survey
    log_in(client, staff)
    answer, hours = _column(form, "answer"), _column(form, "hours")
    state = [
        (answer, "高い"),
        (f"{hours}.min", "20"),
        ("match", "any"),
        ("rows", "dept"),
        ("rows", "visit:fy"),
        ("cols", "topics"),
        ("measure", "count"),
        ("pct", "row"),
        ("chart", "stacked"),
    ]
    response = _save(client, form, "満足度の高い人", state, shared="1")
    assert response.status_code == 302
    view = _view("満足度の高い人")
    assert response.headers["Location"].endswith(f"/records/crosstab?view={view.id}")
    assert view.shared
    assert view.spec["crosstab"] == {
        "rows": ["dept", "visit:fy"],
        "cols": ["topics"],
        "measure": "count",
        "pct": "row",
        "chart": "stacked",
    }
    assert view.spec["filters"] == [[answer, "高い"], [f"{hours}.min", "20"]]
    assert view.spec["match"] == "any"

    page = client.get(f"/staff/forms/{form.id}/records/crosstab?view={view.id}")
    assert page.status_code == 200
    text = page.text
    api = _api(
        client,
        staff,
        form,
        "rows=dept,visit:fy&cols=topics&measure=count&answer=高い&hours.min=20&match=any",
    )
    # the filters are applied as the view keeps them: either condition is enough
    chosen = [r for r in rows if r["answer"] == "高い" or (r["hours"] or -1) >= 20]
    assert api["total"] == len(chosen) < COUNT
    assert _page_cells(text) == _expected_cells(api)
    assert f'id="crosstab-total">{api["total"]}<' in text
    assert "%" in text.split('id="crosstab-table"', 1)[1]  # the percentages kept
    assert '<option value="stacked" selected>' in text and '"type": "stacked"' in text
    assert '<option value="visit:fy" selected>' in text

    # the files of the saved view hold the same numbers
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/staff/forms/{form.id}/records/crosstab.xlsx?view={view.id}").data)
    ).active
    lines = list(sheet.iter_rows(values_only=True))
    header = next(i for i, line in enumerate(lines) if len(line) > 2 and line[2] == "研修")
    first = lines[header + 1]
    assert list(first[2 : 2 + len(api["col_keys"])]) == api["cells"][0]
    csv_text = client.get(
        f"/staff/forms/{form.id}/records/crosstab.csv?view={view.id}"
    ).data.decode("utf-8-sig")
    assert "研修" in csv_text and "年度" in csv_text

    # the list offers the view's cross table, and the view's own links carry it
    listing = client.get(f"/staff/forms/{form.id}/records?view={view.id}").text
    assert f'href="/staff/forms/{form.id}/records/crosstab?view={view.id}"' in listing
    assert "クロス集計あり" in listing


def test_changing_the_table_keeps_the_views_list_settings(staff_client, staff, survey):
    form, _rows = survey
    age = _column(form, "hours")
    view = saved_views.save(
        staff, form, "一覧と表", ViewSpec(columns=[age], sort=[(age, True)], page_size=20)
    )
    page = staff_client.get(f"/staff/forms/{form.id}/records/crosstab?view={view.id}").text
    assert "このビューにクロス集計を保存" in page
    staff_client.post(
        f"/staff/forms/{form.id}/views",
        data={
            "action": "update",
            "page": "crosstab",
            "view": view.id,
            "spec": urlencode([("rows", "answer"), ("measure", "avg:hours")]),
        },
    )
    changed = _view("一覧と表")
    assert changed.spec["columns"] == [age] and changed.spec["page_size"] == 20
    assert changed.spec["crosstab"]["rows"] == ["answer"]
    assert changed.spec["crosstab"]["measure"] == "avg:hours"
    # replacing the list's settings keeps the cross table
    staff_client.post(
        f"/staff/forms/{form.id}/views",
        data={"action": "update", "view": view.id, "spec": urlencode([("columns", age)])},
    )
    assert _view("一覧と表").spec["crosstab"]["rows"] == ["answer"]


def test_a_shared_table_leaves_out_what_the_user_may_not_see(client, staff, colleague, survey):
    form, rows = survey
    state = [("rows", "dept"), ("cols", "topics"), ("measure", "sum:hours")]
    log_in(client, staff)
    _save(client, form, "所属と関心", state, shared="1")
    view = _view("所属と関心")
    log_in(client, colleague)
    response = client.get(f"/staff/forms/{form.id}/records/crosstab?view={view.id}")
    assert response.status_code == 200
    text = response.text
    assert "クロス集計に、あなたが見られない項目が含まれていたため、除外しました。" in text
    table = text.split('id="crosstab-table"', 1)[1].split("</table>", 1)[0]
    assert "関心" not in table and "研修" not in table and "残業時間" not in table
    # what is left is counted by department, as the API counts it for this user
    api = _api(client, colleague, form, "rows=dept")
    assert _page_cells(text) == _expected_cells(api)
    assert api["total"] == COUNT
    # nor do the files or the list show it; the list gives the same notice
    csv_text = client.get(
        f"/staff/forms/{form.id}/records/crosstab.csv?view={view.id}"
    ).data.decode("utf-8-sig")
    assert "研修" not in csv_text and "残業" not in csv_text
    listing = client.get(f"/staff/forms/{form.id}/records?view={view.id}").text
    assert "見られない項目" in listing
    # named in an address, the hidden field is refused, as everywhere
    refused = client.get(f"/staff/forms/{form.id}/records/crosstab?view={view.id}&rows=topics")
    assert refused.status_code == 403


def test_a_removed_item_is_left_out_with_a_notice(staff_client, staff, survey):
    form, _rows = survey
    spec = ViewSpec(crosstab=CrossTabSetup(rows=["gone", "dept"], measure="sum:gone"))
    view = saved_views.save(staff, form, "古い表", spec)
    text = staff_client.get(f"/staff/forms/{form.id}/records/crosstab?view={view.id}").text
    assert "クロス集計の項目「gone」はこのフォームにないため、除外しました。" in text
    assert "クロス集計の項目「sum:gone」はこのフォームにないため、除外しました。" in text
    assert 'id="crosstab-table"' in text and "総務課" in text


def test_rights_to_share_and_to_change(client, staff, colleague, make_user, survey):
    form, _rows = survey
    state = [("rows", "dept"), ("cols", "answer")]
    log_in(client, colleague)
    # only those who manage the form choose its default view
    back = _save(client, form, "既定にしたい", state, shared="1", is_default="1")
    assert back.status_code == 302 and "/records/crosstab?" in back.headers["Location"]
    page = client.get(back.headers["Location"]).text
    assert "フォームの既定のビューを選べるのはフォームの管理者だけです。" in page
    assert db.session.query(SavedView).count() == 0
    # another's shared view is not the colleague's to change
    log_in(client, staff)
    _save(client, form, "職員の表", state, shared="1")
    shared = _view("職員の表")
    log_in(client, colleague)
    page = client.get(f"/staff/forms/{form.id}/records/crosstab?view={shared.id}").text
    assert "このビューにクロス集計を保存" not in page
    client.post(
        f"/staff/forms/{form.id}/views",
        data={
            "action": "update",
            "page": "crosstab",
            "view": shared.id,
            "spec": urlencode([("rows", "answer")]),
        },
    )
    assert _view("職員の表").spec["crosstab"]["rows"] == ["dept"]
    # the colleague may keep a private table of their own, and share it
    assert _save(client, form, "自分の表", state, shared="1").status_code == 302
    assert _view("自分の表").shared and not _view("自分の表").is_default
    # someone without the right to read the records saves nothing
    stranger = make_user("stranger", dept=None)
    log_in(client, stranger)
    assert _save(client, form, "見知らぬ", state).status_code in (403, 404)
    assert db.session.query(SavedView).filter_by(name="見知らぬ").count() == 0


@pytest.mark.parametrize(
    ("state", "parameter", "message"),
    [
        ([("rows", "nosuch")], "rows", "項目「nosuch」はありません。"),
        ([("rows", "dept"), ("cols", "dept:fy")], "cols", "「dept」"),
        ([("rows", "dept"), ("measure", "median:hours")], "measure", "count、または数値項目の"),
        ([("rows", "dept"), ("measure", "sum:dept")], "measure", "数値"),
    ],
)
def test_a_table_that_cannot_be_built_is_not_saved(staff_client, survey, state, parameter, message):
    form, _rows = survey
    back = _save(staff_client, form, "だめな表", state)
    assert back.status_code == 302
    page = staff_client.get(back.headers["Location"])
    assert page.status_code == 422
    # the reason, next to the menu that caused it, and nothing saved
    error = re.search(rf'<p class="field-error" id="ct-{parameter}-error"[^>]*>([^<]*)<', page.text)
    assert error is not None and message in html.unescape(error.group(1))
    assert f'aria-describedby="ct-{parameter}-error"' in page.text
    assert db.session.query(SavedView).count() == 0


def test_a_bad_table_does_not_change_a_view(staff_client, staff, survey):
    form, _rows = survey
    view = saved_views.save(staff, form, "元の表", ViewSpec(crosstab=CrossTabSetup(rows=["dept"])))
    staff_client.post(
        f"/staff/forms/{form.id}/views",
        data={
            "action": "update",
            "page": "crosstab",
            "view": view.id,
            "spec": urlencode([("rows", "dept"), ("measure", "avg:nosuch")]),
        },
    )
    assert _view("元の表").spec["crosstab"] == CrossTabSetup(rows=["dept"]).to_json()
    nothing = _save(staff_client, form, "表なし", [(_column(form, "dept"), "soumu")])
    page = staff_client.get(nothing.headers["Location"]).text
    assert "先にクロス集計の行（と列）を選んでください。" in page
    assert db.session.query(SavedView).filter_by(name="表なし").count() == 0


def test_filters_from_the_address_with_the_views_table(client, staff, colleague, survey):
    form, rows = survey
    view = saved_views.save(
        staff,
        form,
        "関心別",
        ViewSpec(crosstab=CrossTabSetup(rows=["answer"], cols=["topics"])),
        shared=True,
    )
    dept = _column(form, "dept")
    log_in(client, staff)
    # a link from the list or the summary: the list's filters, the view's table
    text = client.get(f"/staff/forms/{form.id}/records/crosstab?{dept}=soumu&view={view.id}").text
    api = _api(client, staff, form, "rows=answer&cols=topics&dept=soumu")
    assert api["total"] == sum(1 for r in rows if r["dept"] == "soumu")
    assert _page_cells(text) == _expected_cells(api)
    # someone who may not see the topics gets the rest of it, with the notice
    log_in(client, colleague)
    text = client.get(f"/staff/forms/{form.id}/records/crosstab?{dept}=soumu&view={view.id}").text
    assert "クロス集計に、あなたが見られない項目が含まれていたため、除外しました。" in text
    assert _page_cells(text) == _expected_cells(
        _api(client, colleague, form, "rows=answer&dept=soumu")
    )
