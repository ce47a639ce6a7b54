"""Calendar dates (no time of day), shown with the Japanese era on request."""

import datetime as dt
import re

from marshmallow import Schema, fields
from wtforms import DateField
from wtforms import validators as v

from builder.fields.base import FieldType, FilterError
from builder.i18n import N_
from builder.normalise import nfkc

_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_date(text: str) -> dt.date:
    """Parse 2026-04-01, 2026/4/1 or 2026年4月1日 (full-width digits too)."""
    match = _DATE.match(nfkc(text or ""))
    if not match:
        raise ValueError(text)
    return dt.date(*(int(part) for part in match.groups()))


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


class DateType(FieldType):
    """A calendar date, entered with the browser's date picker."""

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
        low, high = spec.get("min"), spec.get("max")
        if low is not None and high is not None and low > high:
            return {"min": N_("The earliest date is after the latest date.")}
        return {}

    def validators(self):
        _ = self._
        low, high = self.spec.get("min"), self.spec.get("max")

        def within(form, field):
            if field.data is None:
                return
            if low and field.data < low or high and field.data > high:
                if low and high:
                    message = _("Enter a date from %(min)s to %(max)s.")
                elif low:
                    message = _("Enter a date on or after %(min)s.")
                else:
                    message = _("Enter a date on or before %(max)s.")
                raise v.ValidationError(
                    message % {"min": self.display(low), "max": self.display(high)}
                )

        return super().validators() + [within]

    def render_kw(self):
        kw = super().render_kw()
        if self.spec.get("min"):
            kw["min"] = self.spec["min"].isoformat()
        if self.spec.get("max"):
            kw["max"] = self.spec["max"].isoformat()
        return kw

    def form_field(self):
        field = FlexibleDateField(
            self.title,
            description=self.spec.get("help", ""),
            validators=self.validators(),
            render_kw=self.render_kw(),
            invalid_message=self._("Enter a date such as 2026-04-01."),
        )
        return field

    def form_input(self, value):
        return [] if value is None else [value.isoformat()]

    def display(self, value):
        if value is None:
            return ""
        return self._(DATE_DISPLAY).format(year=value.year, month=value.month, day=value.day)

    def export(self, value):
        return "" if value is None else value.isoformat()  # spreadsheets read ISO dates

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
