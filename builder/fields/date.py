"""Calendar dates (no time of day), shown with the Japanese era on request."""

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from marshmallow import Schema, fields, validate
from wtforms import DateField
from wtforms import validators as v
from wtforms.widgets import TextInput

from builder.era import era_year_text, parse_era_date
from builder.fields.base import Between, FieldType, FilterError, GroupingError
from builder.i18n import N_
from builder.normalise import nfkc

_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\Z")


def parse_date(text: str) -> dt.date:
    """Parse 2026-04-01, 2026/4/1, 2026年4月1日, 令和8年4月1日 or R8.4.1 (full-width too)."""
    era_date = parse_era_date(text)
    if era_date is not None:
        return era_date
    match = _DATE.match(nfkc(text or ""))
    if not match:
        raise ValueError(text)
    return dt.date(*(int(part) for part in match.groups()))


#: relative periods a date filter offers, each from a start day to an end day (inclusive)
PERIODS = {
    "today": N_("today"),
    "yesterday": N_("yesterday"),
    "this_week": N_("this week"),
    "this_month": N_("this month"),
    "last_month": N_("last month"),
    "this_year": N_("this year"),
    "this_fy": N_("this fiscal year"),
}
#: the month a Japanese fiscal year (年度) starts in
FISCAL_YEAR_START = 4


def fiscal_year(day: dt.date) -> int:
    """The fiscal year (年度) *day* falls in, named by the year it starts in."""
    return day.year if day.month >= FISCAL_YEAR_START else day.year - 1


def period_days(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the relative period *name* seen from *today*.

    Weeks start on Monday; the fiscal year runs from 1 April to 31 March.
    Raises KeyError for an unknown name.
    """
    if name not in PERIODS:
        raise KeyError(name)
    if name == "today":
        return today, today
    if name == "yesterday":
        day = today - dt.timedelta(days=1)
        return day, day
    if name == "this_week":
        start = today - dt.timedelta(days=today.weekday())
        return start, start + dt.timedelta(days=6)
    if name == "this_month":
        start = today.replace(day=1)
    elif name == "last_month":
        start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    elif name == "this_year":
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    else:
        year = fiscal_year(today)
        return dt.date(year, FISCAL_YEAR_START, 1), dt.date(year + 1, FISCAL_YEAR_START, 1) - (
            dt.timedelta(days=1)
        )
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, following - dt.timedelta(days=1)
def _date_cell(value):
    return "" if value is None else value


class _IsoDates(dict):
    """date -> its ISO text, each day formatted once per export (answers share few days)."""

    def __init__(self):
        super().__init__({None: ""})

    def __missing__(self, day):
        text = self[day] = day.isoformat()
        return text


#: how a date is shown to people; translated per language (ja: {year}年{month}月{day}日)
DATE_DISPLAY = N_("{year}-{month:02d}-{day:02d}")
#: a date followed by its era year (ja: {date}（{era}）)
DATE_WITH_ERA = N_("{date} ({era})")

#: cross-tab groupings of a date: the day ("YYYY-MM-DD"), the week (its Monday,
#: "YYYY-MM-DD"), the month ("YYYY-MM"), the calendar year and the fiscal year (年度,
#: from 1 April; the integer year it starts in)
DAY, WEEK, MONTH, YEAR, FISCAL_YEAR = "day", "week", "month", "year", "fy"
DATE_GROUPINGS = (DAY, WEEK, MONTH, YEAR, FISCAL_YEAR)
#: how group keys are shown; translated per language (ja: 2026年度, 2026年4月)
GROUP_DISPLAY = {
    YEAR: N_("{year}"),
    FISCAL_YEAR: N_("FY{year}"),
    MONTH: N_("{year}-{month:02d}"),
    WEEK: N_("Week of {date}"),
}
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*\Z")


def _constant(text: str):
    """A constant written into the SQL (never a bound parameter), so that a grouped
    expression is the same in SELECT and GROUP BY on every engine."""
    return sa.literal_column("'" + text.replace("'", "''") + "'")


def local_date(column, dialect: str, timezone: str):
    """The calendar day, in *timezone*, of a UTC timestamp column (``created_at``).

    PostgreSQL converts with the zone's rules. SQLite has no time zones: the zone's
    present offset is applied (exact for Japan, which has no summer time).
    """
    if not _ZONE_NAME.match(timezone):
        raise ValueError(timezone)
    if dialect == "postgresql":
        local = sa.func.timezone(_constant(timezone), sa.func.timezone(_constant("UTC"), column))
        return sa.cast(local, sa.Date)
    offset = ZoneInfo(timezone).utcoffset(dt.datetime.now())
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return sa.func.date(column, _constant(f"{minutes:+d} minutes"))


def date_group(day, grouping: str, dialect: str):
    """SQL grouping a date expression *day* by one of DATE_GROUPINGS."""
    if dialect == "postgresql":
        if grouping == DAY:
            return sa.func.to_char(day, _constant("YYYY-MM-DD"))
        if grouping == WEEK:
            return sa.func.to_char(
                sa.func.date_trunc(_constant("week"), day), _constant("YYYY-MM-DD")
            )
        if grouping == MONTH:
            return sa.func.to_char(day, _constant("YYYY-MM"))
        if grouping == YEAR:
            return sa.cast(sa.extract("year", day), sa.Integer)
        return sa.cast(
            sa.extract("year", day - sa.literal_column("interval '3 months'")), sa.Integer
        )
    if grouping == DAY:
        return sa.func.strftime(_constant("%Y-%m-%d"), day)
    if grouping == WEEK:  # the next Sunday (or the day itself), less six days: the Monday
        return sa.func.date(day, _constant("weekday 0"), _constant("-6 days"))
    if grouping == MONTH:
        return sa.func.strftime(_constant("%Y-%m"), day)
    if grouping == YEAR:
        return sa.cast(sa.func.strftime(_constant("%Y"), day), sa.Integer)
    # three months back, 1 April falls in January of the same year, 31 March in December
    return sa.cast(sa.func.strftime(_constant("%Y"), day, _constant("-3 months")), sa.Integer)


def date_group_key(value, grouping: str):
    """A date group key read from the database, as the API answers it."""
    if value is None:
        return None
    if grouping in (YEAR, FISCAL_YEAR):
        return int(value)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def date_group_label(key, grouping: str, gettext) -> str:
    """How a date group key is shown (2026年度, 2026年4月, 2026年4月1日)."""
    if grouping in (YEAR, FISCAL_YEAR):
        return gettext(GROUP_DISPLAY[grouping]).format(year=key)
    if grouping == MONTH:
        year, month = str(key).split("-")
        return gettext(GROUP_DISPLAY[MONTH]).format(year=int(year), month=int(month))
    day = dt.date.fromisoformat(str(key))
    text = gettext(DATE_DISPLAY).format(year=day.year, month=day.month, day=day.day)
    return gettext(GROUP_DISPLAY[WEEK]).format(date=text) if grouping == WEEK else text


class FlexibleDateField(DateField):
    """A date input that also accepts the slash and kanji forms people type."""

    def __init__(self, *args, invalid_message="Enter a date such as 2026-04-01.", **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_date(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


ENTRY_OPTIONS = [
    ("picker", N_("Calendar (the browser's date picker)")),
    ("text", N_("Typed (accepts 令和8年4月1日, R8.4.1 and 2026-04-01)")),
]


class DateSettings(Schema):
    entry = fields.String(
        validate=validate.OneOf([value for value, _label in ENTRY_OPTIONS]),
        metadata={"label": N_("How the date is entered"), "options": ENTRY_OPTIONS},
    )
    show_era = fields.Boolean(
        metadata={"label": N_("Show the Japanese era (令和8年) with the date")}
    )
    min = fields.Date(metadata={"label": N_("Earliest date")})
    max = fields.Date(metadata={"label": N_("Latest date")})
    reference_date = fields.Date(
        metadata={"label": N_("Reference date for the limits below (empty: the day of answering)")}
    )
    reference_name = fields.String(
        validate=validate.Length(max=40),
        metadata={"label": N_("Name of the reference date (e.g. election day)")},
    )
    years_before_min = fields.Integer(
        validate=Between(min=0, max=150),
        metadata={"label": N_("Latest date: at least this many years before the reference date")},
    )
    years_before_max = fields.Integer(
        validate=Between(min=0, max=150),
        metadata={"label": N_("Earliest date: at most this many years before the reference date")},
    )
    days_after_min = fields.Integer(
        validate=Between(min=0, max=3660),
        metadata={"label": N_("Earliest date: at least this many days after the reference date")},
    )
    days_after_max = fields.Integer(
        validate=Between(min=0, max=3660),
        metadata={"label": N_("Latest date: at most this many days after the reference date")},
    )


def years_before(day: dt.date, years: int) -> dt.date:
    """*day* moved back *years* calendar years (29 February becomes 28 February)."""
    if day.year - years < dt.MINYEAR:
        return dt.date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def days_after(day: dt.date, days: int) -> dt.date:
    """*day* moved forward *days* days (the calendar's last day at most)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


@dataclass(frozen=True)
class Limit:
    """One end of the allowed range, and the rule it comes from (empty for a fixed date)."""

    day: dt.date
    rule: str = ""


class DateType(FieldType):
    """A calendar date, entered with the browser's date picker.

    Its limits are fixed dates, or relative to a reference date (a date set on the field,
    such as an election day, or the day of answering): "at least 18 years before".
    """

    name = "date"
    label = N_("Date")
    icon = "date"
    settings_schema = DateSettings
    storage_kind = "date"
    filter_ops = ("min", "max", "eq", "within")
    filter_widget = "date"
    default_width = "medium"
    template_macro = "input"
    condition_ops = ("eq", "ne", "in", "filled", "gt", "lt")
    condition_kind = "date"
    groupings = DATE_GROUPINGS

    @classmethod
    def check_settings(cls, spec):
        low, high = cls(spec).limits()
        if low is not None and high is not None and low.day > high.day:
            return {"min": N_("The earliest date is after the latest date.")}
        return {}

    # -- limits -------------------------------------------------------------
    def reference(self) -> tuple[dt.date, str]:
        """The reference date and how it is named to the citizen."""
        _ = self._
        day = self.spec.get("reference_date")
        if day is None:
            return self.today, _("today")
        name = self.spec.get("reference_name")
        if name:
            return day, _("%(name)s, %(date)s") % {"name": name, "date": self._plain(day)}
        return day, self._plain(day)

    def limits(self) -> tuple[Limit | None, Limit | None]:
        """The earliest and latest accepted dates: the tightest of all the limits set."""
        _ = self._
        spec = self.spec
        lows = [Limit(spec["min"])] if spec.get("min") else []
        highs = [Limit(spec["max"])] if spec.get("max") else []
        day, named = self.reference()

        def before(years):
            if not years:
                return Limit(day, named)
            return Limit(
                years_before(day, years),
                _("%(n)d years before %(reference)s") % {"n": years, "reference": named},
            )

        def after(days):
            if not days:
                return Limit(day, named)
            return Limit(
                days_after(day, days),
                _("%(n)d days after %(reference)s") % {"n": days, "reference": named},
            )

        if spec.get("years_before_min") is not None:
            highs.append(before(spec["years_before_min"]))
        if spec.get("years_before_max") is not None:
            lows.append(before(spec["years_before_max"]))
        if spec.get("days_after_min") is not None:
            lows.append(after(spec["days_after_min"]))
        if spec.get("days_after_max") is not None:
            highs.append(after(spec["days_after_max"]))
        low = max(lows, key=lambda limit: limit.day, default=None)
        high = min(highs, key=lambda limit: limit.day, default=None)
        return low, high

    def _limit_text(self, limit: Limit) -> str:
        text = self._plain(limit.day)
        if limit.rule:
            return self._("%(date)s (%(rule)s)") % {"date": text, "rule": limit.rule}
        return text

    def range_message(self) -> str:
        """The accepted range in words, e.g. "Enter a date on or before 2009-04-25 (…)"."""
        _ = self._
        low, high = self.limits()
        if low and high:
            return _("Enter a date from %(min)s to %(max)s.") % {
                "min": self._limit_text(low),
                "max": self._limit_text(high),
            }
        if low:
            return _("Enter a date on or after %(min)s.") % {"min": self._limit_text(low)}
        if high:
            return _("Enter a date on or before %(max)s.") % {"max": self._limit_text(high)}
        return ""

    def hint(self):
        _ = self._
        low, high = self.limits()
        if low and high:
            return _("From %(min)s to %(max)s") % {
                "min": self._limit_text(low),
                "max": self._limit_text(high),
            }
        if low:
            return _("On or after %(min)s") % {"min": self._limit_text(low)}
        if high:
            return _("On or before %(max)s") % {"max": self._limit_text(high)}
        return ""

    def validators(self):
        low, high = self.limits()

        def within(form, field):
            if field.data is None:
                return
            if low and field.data < low.day or high and field.data > high.day:
                raise v.ValidationError(self.range_message())

        return super().validators() + [within]

    @property
    def typed(self) -> bool:
        """Whether the date is typed as text (eras accepted) instead of picked."""
        return self.spec.get("entry") == "text"

    def render_kw(self):
        kw = super().render_kw()
        if self.typed:
            kw.setdefault("placeholder", self._("e.g. 令和8年4月1日 or R8.4.1"))
            kw["maxlength"] = 20
            return kw
        low, high = self.limits()
        if low:
            kw["min"] = low.day.isoformat()
        if high:
            kw["max"] = high.day.isoformat()
        return kw

    def form_field(self):
        options = {}
        if self.typed:
            options["widget"] = TextInput()
        return self.input_field(
            FlexibleDateField,
            invalid_message=(
                self._("Enter a date that exists, such as 2026-04-01, 令和8年4月1日 or R8.4.1.")
                if self.typed
                else self._("Enter a date such as 2026-04-01.")
            ),
            **options,
        )

    def form_input(self, value):
        return [] if value is None else [value.isoformat()]

    def _plain(self, value) -> str:
        return self._(DATE_DISPLAY).format(year=value.year, month=value.month, day=value.day)

    def from_history(self, value):
        return dt.date.fromisoformat(value) if isinstance(value, str) else value

    def display(self, value):
        if value is None:
            return ""
        text = self._plain(value)
        era = era_year_text(value) if self.spec.get("show_era") else ""
        return self._(DATE_WITH_ERA).format(date=text, era=era) if era else text

    def export(self, value):
        return "" if value is None else value.isoformat()  # spreadsheets read ISO dates

    def condition_operand(self, value):
        if isinstance(value, str):
            try:
                return parse_date(value)
            except ValueError:
                pass
        raise ValueError(N_("Enter a date such as 2026-04-01 to compare with."))
    def op_widget(self, op):
        return "choice" if op == "within" else super().op_widget(op)

    def op_options(self, op):
        if op == "within":
            return [(name, self._(label)) for name, label in PERIODS.items()]
        return super().op_options(op)
    def exporter(self, text_cell=None):
        return _IsoDates().__getitem__

    def sheet_exporter(self, text_cell=None):
        return _date_cell

    def filter_clause(self, column, op, raw):
        if op == "within":
            try:
                first, last = period_days(raw.strip(), self.today)
            except KeyError:
                raise FilterError(self._("This period is not known.")) from None
            return column.between(first, last)
        try:
            day = parse_date(raw)
        except ValueError:
            raise FilterError(self._("Enter a date such as 2026-04-01.")) from None
        if op == "min":
            return column >= day
        if op == "max":
            return column <= day
        if op == "eq":
            return column == day
        raise FilterError(self._("This filter is not available for this item."))

    def group_expression(self, column, grouping, dialect):
        if grouping not in self.groupings:
            raise GroupingError(self._("Group a date by day, week, month, year or fy."))
        return date_group(column, grouping, dialect)

    def group_key(self, value, grouping):
        return date_group_key(value, grouping)

    def group_label(self, key, grouping):
        return date_group_label(key, grouping, self._)
