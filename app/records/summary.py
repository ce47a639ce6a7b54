"""The summary of a form's answers (like the responses tab of Google Forms): answers per
day, counts of each choice, figures of each number item and the latest text answers, all
over the records the list's filters select, computed by the database through
``RecordAccess``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.records.access import RecordAccess
from app.records.aggregate import Dimension, Measure, NumberSummary
from app.records.crosstab import key_label, received_at_type
from builder.fields.base import FieldType

#: submissions are counted per day over at most this many days, else per month
MAX_DAYS = 400
LATEST = 5


@dataclass
class Share:
    key: object
    label: str
    count: int
    #: of the records matching the filters (a multiple choice can add up past 100)
    percent: float | None


@dataclass
class ChoiceCounts:
    entry: dict
    field_type: FieldType
    shares: list[Share]
    #: records with an answer
    answered: int
    multiple: bool


@dataclass
class NumberFigures:
    entry: dict
    field_type: FieldType
    figures: NumberSummary


@dataclass
class LatestAnswers:
    entry: dict
    field_type: FieldType
    #: (record id, receipt number, received at (UTC), value), newest first
    items: list


@dataclass
class Summary:
    total: int
    #: DAY or MONTH
    period: str
    #: (key, label, count) in time order, days without answers included
    per_period: list[tuple[str, str, int]]
    choices: list[ChoiceCounts] = field(default_factory=list)
    numbers: list[NumberFigures] = field(default_factory=list)
    texts: list[LatestAnswers] = field(default_factory=list)


def build(
    access: RecordAccess,
    conditions: list,
    timezone: str = "Asia/Tokyo",
    gettext=lambda s: s,
    latest: int = LATEST,
) -> Summary:
    """The summary of the records matching *conditions*, of the fields the user may see."""
    total = access.matching(conditions)
    period, per_period = _per_period(access, conditions, timezone, gettext)
    summary = Summary(total=total, period=period, per_period=per_period)
    entries = [e for e in access.entries if not e["retired"]]
    types = access.types(gettext, entries)
    for entry in entries:
        field_type = types[entry["column"]]
        if field_type.filter_widget == "choice" and field_type.groupings:
            summary.choices.append(
                _choice_counts(access, conditions, entry, field_type, total, gettext)
            )
        elif field_type.measurable:
            figures = access.number_summary(conditions, entry["column"])
            summary.numbers.append(NumberFigures(entry, field_type, figures))
        elif field_type.filter_widget == "text":
            items = access.latest_values(conditions, entry["column"], latest)
            summary.texts.append(LatestAnswers(entry, field_type, items))
    return summary


def _dimension(entry: dict, field_type: FieldType) -> Dimension:
    return Dimension(
        entry["key"], entry["column"], entry["kind"], field_type, field_type.groupings[0]
    )


def _choice_counts(access, conditions, entry, field_type, total, gettext) -> ChoiceCounts:
    dimension = _dimension(entry, field_type)
    if dimension.multi:
        counts, answered = access.option_counts(conditions, entry["column"])
        counts = {field_type.group_key(k, dimension.grouping): n for k, n in counts.items()}
        counts[None] = total - answered
    else:
        grouped = access.aggregate(conditions, [dimension], Measure())
        counts = {key[0]: partial.count for key, partial in grouped.items()}
    keys = field_type.group_keys()
    keys += sorted(
        (k for k in counts if k is not None and k not in keys), key=field_type.group_order
    )
    shares = [
        Share(
            key,
            key_label(dimension, key, gettext),
            counts.get(key, 0),
            counts.get(key, 0) * 100 / total if total else None,
        )
        for key in [*keys, None]
        if key is not None or counts.get(None)
    ]
    return ChoiceCounts(
        entry, field_type, shares, total - counts.get(None, 0), entry["kind"] == "multi"
    )


def _per_period(access, conditions, timezone, gettext):
    received = received_at_type(gettext)
    period, counts = access.received_per_period(conditions, timezone, MAX_DAYS)
    return period, [(key, received.group_label(key, period), n) for key, n in counts]
