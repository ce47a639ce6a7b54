"""Receipt number formats: a small template language, checked when the definition is saved,
that always makes unique receipt numbers short enough to store."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import FormVersion
from app.records import store
from builder import receipt_format
from builder.definition import DefinitionError, load
from tests.conftest import ELECTION
from tests.test_field_types import post

DAY = dt.date(2026, 4, 1)


def _document(fmt: str) -> dict:
    return {
        "title": "受付",
        "fields": [{"key": "x", "type": "text", "label": "x"}],
        "settings": {"receipt_format": fmt},
    }


def _problem(fmt: str) -> str:
    with pytest.raises(DefinitionError) as caught:
        load(_document(fmt))
    assert list(caught.value.errors) == ["settings"]
    (message,) = caught.value.errors["settings"]["receipt_format"]
    return message


@pytest.mark.parametrize(
    ("fmt", "named"),
    [
        ("{seq.__class__}", "{seq.__class__}"),
        ("{seq!r:.0}", "{seq!r:.0}"),
        ("{seq[0]}", "{seq[0]}"),
        ("{seq.__init__.__globals__}", "{seq.__init__.__globals__}"),
        ("{seq:>10000000}", "{seq:>10000000}"),
        ("A-{seq:011d}", "{seq:011d}"),
        ("A-{seq:5d}", "{seq:5d}"),
        ("{form:03d}-{seq}", "{form:03d}"),
        ("{0}-{seq}", "{0}"),
        ("{}-{seq}", "{}"),
        ("{seq}-{name}", "{name}"),
        ("{{seq}}", "“{”"),
        ("{seq", "“{”"),
        ("{seq}}", "“}”"),
        ("A\n{seq}", "U+000A"),
        ("A\u200b{seq}", "U+200B"),
    ],
)
def test_anything_but_the_placeholders_is_refused_naming_the_bad_part(fmt, named):
    assert named in _problem(fmt)


def test_a_format_without_the_serial_number_is_refused():
    assert _problem("{yyyy}{mm}{dd}") == "The receipt number must contain {seq}."
    assert _problem("EV-0001") == "The receipt number must contain {seq}."


def test_a_format_that_could_outgrow_the_column_is_refused_at_save_time():
    # the record number can reach 19 digits: 41 characters of text are the most that fit
    assert load(_document("A" * 41 + "{seq}"))
    message = _problem("A" * 42 + "{seq}")
    assert "61" in message and "60" in message
    assert (
        "{seq:010d}"
        in load(_document("{form}-{yyyy}{mm}{dd}-{seq:010d}")).document["settings"][
            "receipt_format"
        ]
    )


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("{yyyy}{mm}{dd}-{seq:06d}", "20260401-000042"),
        ("EV{yy}-{seq:01d}", "EV26-42"),
        ("{form}/{seq:010d}", "7/0000000042"),
        ("受付{seq}号", "受付42号"),
        ("{dd}.{mm}.{yyyy} {seq}", "01.04.2026 42"),
    ],
)
def test_placeholders_render(fmt, expected):
    assert load(_document(fmt))
    assert receipt_format.parse(fmt).render(42, 7, DAY) == expected


# Any format of the language: literal text and placeholders, at least one {seq}.
_PARTS = st.one_of(
    st.sampled_from(["{yyyy}", "{yy}", "{mm}", "{dd}", "{form}", "{seq}", "-", "", "1", "0"]),
    st.integers(min_value=1, max_value=10).map(lambda n: f"{{seq:0{n}d}}"),
    st.text(alphabet="AZ09-_/受付", max_size=3),
)
_FORMATS = st.lists(_PARTS, max_size=6).flatmap(
    lambda parts: st.integers(min_value=0, max_value=len(parts)).map(
        lambda at: "".join(parts[:at] + ["{seq}"] + parts[at:])
    )
)
_DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
_SEQS = st.integers(min_value=1, max_value=2**63 - 1)


@settings(max_examples=400, deadline=None)
@given(fmt=_FORMATS, a=_SEQS, b=_SEQS, day_a=_DAYS, day_b=_DAYS)
def test_two_records_never_share_a_receipt_number(fmt, a, b, day_a, day_b):
    try:
        parsed = receipt_format.parse(fmt)
    except receipt_format.ReceiptFormatError:
        assume(False)  # too long to store: refused at save time
    if a != b:
        assert parsed.render(a, 9, day_a) != parsed.render(b, 9, day_b)
    longest = parsed.render(2**63 - 1, 2**63 - 1, day_a)
    assert len(longest) <= parsed.longest


def test_receipts_follow_the_format_and_stay_unique(client, make_form):
    document = copy.deepcopy(ELECTION) | {"settings": {"receipt_format": "EV{yy}-{seq:03d}"}}
    form = make_form(document)
    for _ in range(2):
        assert post(client, form, {"f_name": "一関 太郎", "f_age": "30"}).status_code == 303
    receipts = [r.receipt_no for r in store.iterate(form, [])]
    year = dt.datetime.now(dt.UTC).year % 100
    assert receipts in (
        [f"EV{year:02d}-001", f"EV{year:02d}-002"],
        [f"EV{(year + 1) % 100:02d}-001", f"EV{(year + 1) % 100:02d}-002"],  # new year in Japan
    )


def test_the_settings_page_refuses_an_injected_format_and_keeps_the_old_one(
    staff_client, make_form
):
    form = make_form()
    before = form.draft["settings"]["receipt_format"]
    response = staff_client.post(
        f"/staff/forms/{form.id}/settings",
        data={
            "title": form.title,
            "slug": form.slug,
            "receipt_format": "{seq.__class__}",
            "revision": form.draft_revision,
        },
    )
    assert response.status_code == 422
    assert "「{seq.__class__}」は使える差し込み記号ではありません。" in response.get_data(
        as_text=True
    )
    db.session.refresh(form)
    assert form.draft["settings"]["receipt_format"] == before


def test_a_published_format_from_before_the_language_still_gives_unique_receipts(client, make_form):
    """A version published with a format the language refuses (every receipt was the same,
    so every submission after the first failed) now gets receipts in the default format."""
    form = make_form()
    version = form.published_version
    document = copy.deepcopy(version.document)
    document["settings"]["receipt_format"] = "{seq.__class__}"
    db.session.execute(
        sa.update(FormVersion).where(FormVersion.id == version.id).values(document=document)
    )
    db.session.commit()
    for _ in range(2):
        response = post(client, form, {"f_name": "一関 太郎", "f_age": "30"})
        assert response.status_code == 303, response.get_data(as_text=True)
    receipts = [r.receipt_no for r in store.iterate(form, [])]
    assert len(set(receipts)) == 2
    assert all("class" not in number for number in receipts)
