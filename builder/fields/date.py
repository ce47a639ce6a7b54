"""Calendar dates (no time of day), shown with the Japanese era on request."""

import datetime as dt
import re
from dataclasses import dataclass

from marshmallow import Schema, fields, validate
from wtforms import DateField
from wtforms import validators as v

from builder.fields.base import Between, FieldType, FilterError
from builder.i18n import N_
from builder.normalise import nfkc

_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\Z")


def parse_date(text: str) -> dt.date:
    """Parse 2026-04-01, 2026/4/1 or 2026年4月1日 (full-width digits too)."""
    match = _DATE.match(nfkc(text or ""))
    if not match:
        raise ValueError(text)
    return dt.date(*(int(part) for part in match.groups()))


def _date_cell(value):
    return "" if value is None else value


def _iso_cell(value) -> str:
    return "" if value is None else value.isoformat()


#: how a date is shown to people; translated per language (ja: {year}年{month}月{day}日)
DATE_DISPLAY = N_("{year}-{month:02d}-{day:02d}")


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


class DateSettings(Schema):
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
    filter_ops = ("min", "max", "eq")
    filter_widget = "date"
    default_width = "medium"
    template_macro = "input"

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
            return day, _("%(name)s, %(date)s") % {"name": name, "date": self.display(day)}
        return day, self.display(day)

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
        text = self.display(limit.day)
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

    def render_kw(self):
        kw = super().render_kw()
        low, high = self.limits()
        if low:
            kw["min"] = low.day.isoformat()
        if high:
            kw["max"] = high.day.isoformat()
        return kw

    def form_field(self):
        return self.input_field(
            FlexibleDateField, invalid_message=self._("Enter a date such as 2026-04-01.")
        )

    def form_input(self, value):
        return [] if value is None else [value.isoformat()]

    def display(self, value):
        if value is None:
            return ""
        return self._(DATE_DISPLAY).format(year=value.year, month=value.month, day=value.day)

    def export(self, value):
        return "" if value is None else value.isoformat()  # spreadsheets read ISO dates

    def exporter(self, text_cell=None):
        return _iso_cell

    def sheet_exporter(self, text_cell=None):
        return _date_cell

    def filter_clause(self, column, op, raw):
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
