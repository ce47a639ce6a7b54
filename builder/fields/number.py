"""Numbers: integers or decimals with optional bounds and a unit."""

from decimal import Decimal, InvalidOperation

from marshmallow import Schema, fields
from wtforms import StringField
from wtforms import validators as v

from builder.fields.base import Between, FieldType, FilterError
from builder.fields.exact_decimal import MAX_SIGNIFICANT_DIGITS
from builder.i18n import N_
from builder.normalise import numeric_text

MAX_DIGITS = 18


class NumberSettings(Schema):
    decimals = fields.Integer(
        load_default=0,
        validate=Between(min=0, max=6),
        metadata={"label": N_("Decimal places (0 for whole numbers)")},
    )
    min = fields.Float(allow_nan=False, metadata={"label": N_("Minimum")})
    max = fields.Float(allow_nan=False, metadata={"label": N_("Maximum")})
    unit = fields.String(load_default="", metadata={"label": N_("Unit (e.g. 人, 円)")})
    placeholder = fields.String(load_default="", metadata={"label": N_("Example shown in the box")})
    default = fields.Float(allow_nan=False, metadata={"label": N_("Default value")})


#: hint templates (without a unit, with one); each language places and spaces the unit
HINT_RANGE = (N_("%(min)s to %(max)s"), N_("%(min)s to %(max)s %(unit)s"))
HINT_MIN = (N_("%(min)s or more"), N_("%(min)s %(unit)s or more"))
HINT_MAX = (N_("%(max)s or less"), N_("%(max)s %(unit)s or less"))


def _plain(number) -> str:
    """18.0 -> '18', 0.5 -> '0.5' for messages."""
    return "" if number is None else f"{number:g}"


def significant_digits(number: Decimal) -> int:
    """How many significant digits *number* has (12.50 has three, 0.001 one)."""
    return 0 if not number else len(number.normalize().as_tuple().digits)


def _whole_cell(value):
    return "" if value is None else value


def parse_number(text: str) -> Decimal:
    """Parse normalised text as a finite decimal; raise ValueError otherwise."""
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not number.is_finite():
        raise ValueError(text)
    return number


class NumberType(FieldType):
    """A whole number, or a decimal with up to six places (full-width digits accepted).

    Whole numbers are stored as 64-bit integers (up to 18 digits); decimals have at most
    ``MAX_SIGNIFICANT_DIGITS`` digits in all, so that every engine stores them exactly.
    """

    name = "number"
    label = N_("Number")
    icon = "number"
    settings_schema = NumberSettings
    filter_ops = ("min", "max", "eq")
    filter_widget = "number"
    default_width = "short"
    template_macro = "input"
    condition_ops = ("eq", "ne", "in", "filled", "gt", "lt")
    condition_kind = "number"

    @classmethod
    def counts_seats(cls, spec):
        return not spec.get("decimals")
    measurable = True

    @property
    def storage_kind(self):  # type: ignore[override]
        return "decimal" if self.spec.get("decimals") else "integer"

    @classmethod
    def check_settings(cls, spec):
        low, high = spec.get("min"), spec.get("max")
        if low is not None and high is not None and low > high:
            return {"min": N_("The minimum is larger than the maximum.")}
        return {}

    def validators(self):
        _ = self._
        places = self.spec.get("decimals", 0)
        low, high = self.spec.get("min"), self.spec.get("max")

        def check(form, field):
            if not field.data:
                return
            try:
                number = parse_number(field.data)
            except ValueError:
                raise v.ValidationError(
                    _("Enter a whole number.") if not places else _("Enter a number.")
                ) from None
            exponent = number.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > places:
                if not places:
                    raise v.ValidationError(_("Enter a whole number."))
                raise v.ValidationError(
                    _("Enter at most %(places)d decimal places.") % {"places": places}
                )
            if number and number.adjusted() >= MAX_DIGITS:  # MAX_DIGITS digits before the point
                raise v.ValidationError(_("This number is too large."))
            digits = significant_digits(number)
            if places and digits > MAX_SIGNIFICANT_DIGITS:
                raise v.ValidationError(
                    _("Enter at most %(max)d digits in all (this number has %(n)d).")
                    % {"max": MAX_SIGNIFICANT_DIGITS, "n": digits}
                )
            # compare with the bounds as written (0.1 as a float is a little more than 0.1)
            if (
                low is not None
                and number < Decimal(str(low))
                or high is not None
                and number > Decimal(str(high))
            ):
                if low is not None and high is not None:
                    message = _("Enter a number from %(min)s to %(max)s.")
                elif low is not None:
                    message = _("Enter a number of %(min)s or more.")
                else:
                    message = _("Enter a number of %(max)s or less.")
                raise v.ValidationError(message % {"min": _plain(low), "max": _plain(high)})

        return super().validators() + [check]

    def hint(self):
        """The accepted range; the unit is shown as staff wrote it, the sentence translated."""
        low, high = self.spec.get("min"), self.spec.get("max")
        values = {"min": _plain(low), "max": _plain(high), "unit": self.spec.get("unit", "")}
        if low is not None and high is not None:
            template = HINT_RANGE
        elif low is not None:
            template = HINT_MIN
        elif high is not None:
            template = HINT_MAX
        else:
            return ""
        return self._(template[bool(values["unit"])]) % values

    def render_kw(self):
        kw = super().render_kw() | {
            "inputmode": "decimal" if self.spec.get("decimals") else "numeric"
        }
        if self.spec.get("unit"):
            kw["data-unit"] = self.spec["unit"]
        return kw

    def form_field(self):
        default = self.spec.get("default")
        return self.input_field(
            StringField,
            filters=[numeric_text],
            default=None if default is None else _plain(default),
        )

    def value_from_form(self, data):
        if data in ("", None):
            return None
        number = parse_number(data)
        return int(number) if not self.spec.get("decimals") else number

    def form_input(self, value):
        if value is None:
            return []
        if isinstance(value, Decimal):
            value = value.normalize()
            return [format(value, "f")]
        return [str(value)]

    def from_history(self, value):
        return Decimal(value) if isinstance(value, str) else value

    def display(self, value):
        if value is None:
            return ""
        text = self.form_input(value)[0]
        unit = self.spec.get("unit")
        return f"{text} {unit}" if unit else text

    def export(self, value):
        if value is None:
            return ""
        # format "f": Decimal("100").normalize() alone would be written as "1E+2"
        return value if isinstance(value, int) else Decimal(format(value.normalize(), "f"))

    def exporter(self, text_cell=None):
        if self.storage_kind == "integer":
            return _whole_cell
        return super().exporter(text_cell)

    def json_to_form_input(self, value):
        if value is None:
            return []
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError(self._("Expected a number."))
        return [str(value)]

    def condition_operand(self, value):
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            try:
                return parse_number(numeric_text(str(value)))
            except ValueError:
                pass
        raise ValueError(N_("Enter a number to compare with."))

    def condition_answer(self, value):
        return None if value is None else Decimal(value)

    def filter_clause(self, column, op, raw):
        try:
            number = parse_number(numeric_text(raw))
        except ValueError:
            raise FilterError(self._("Enter a number.")) from None
        digits = number.as_tuple()
        if number and (number.adjusted() >= MAX_DIGITS or -digits.exponent > MAX_DIGITS):
            # beyond what a stored value can be, and what the database can compare
            raise FilterError(self._("Enter a number of at most %(n)d digits.") % {"n": MAX_DIGITS})
        if op == "min":
            return column >= number
        if op == "max":
            return column <= number
        if op == "eq":
            return column == number
        raise FilterError(self._("This filter is not available for this item."))
