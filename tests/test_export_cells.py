"""The CSV cell of each kind of stored value: choices by their labels (a value no choice
has any more as it is), multiple choices joined, dates as ISO text, formula-safe text."""

from __future__ import annotations

import datetime as dt

from app.records.export import safe_text
from builder.fields import registry

CHOICES = [
    {"value": "a", "label": "=甲"},
    {"value": "b", "label": "乙"},
]


def test_single_choice_cells():
    cell = registry.bind({"key": "k", "type": "radio", "label": "区分", "choices": CHOICES})
    cell = cell.exporter(safe_text)
    assert [cell("a"), cell("b"), cell(None)] == ["'=甲", "乙", ""]
    assert cell("gone") == "gone"  # no choice has it any more
    assert cell("=gone") == "'=gone"


def test_multiple_choice_cells():
    spec = {"key": "k", "type": "checkboxes", "label": "希望", "choices": CHOICES}
    cell = registry.bind(spec).exporter(safe_text)
    assert cell(["b", "a"]) == "乙、=甲"
    assert cell(["a", "b"]) == "'=甲、乙"
    assert cell(["gone", "b"]) == "gone、乙"
    assert cell([]) == "" and cell(None) == ""


def test_date_cells():
    cell = registry.bind({"key": "k", "type": "date", "label": "来庁日"}).exporter(safe_text)
    days = [dt.date(2026, 4, 1), None, dt.date(2026, 4, 1), dt.date(999, 1, 2)]
    assert [cell(day) for day in days] == ["2026-04-01", "", "2026-04-01", "0999-01-02"]
