"""The common base of every field type.

A field type is bound to one field of a definition (its *spec*, a validated dict) and
answers every question the rest of the product asks about such a field: its settings,
its storage, its WTForms field, how its values are shown, exported, filtered and sent
over the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa
from marshmallow import Schema, fields, validate
from wtforms import validators as v

from builder import itaiji
from builder.fields.exact_decimal import ExactDecimal
from builder.fields.uploads import FileList
from builder.i18n import N_, Msg
from builder.normalise import nfkc

#: SQL column type per storage kind. A field keeps its column while its kind stays the same.
STORAGE_TYPES: dict[str, Callable[[], sa.types.TypeEngine] | None] = {
    "text": sa.Text,
    "longtext": sa.Text,
    "integer": sa.BigInteger,
    "decimal": ExactDecimal,
    "date": sa.Date,
    "boolean": sa.Boolean,
    "multi": None,  # values live in the form's child value table
    "files": FileList,  # JSON summaries of attached files (builder.fields.file)
}

FILTER_LABELS = {
    "eq": N_("equals"),
    "contains": N_("contains"),
    "min": N_("from"),
    "max": N_("to"),
    "empty": N_("blank"),
    "within": N_("period"),
    "any": N_("has any of"),
    "all": N_("has all of"),
}

#: the value of an ``empty`` filter: whether the item is blank (空である) or not (空でない)
EMPTY_CHOICES = (("yes", N_("is empty")), ("no", N_("is not empty")))


#: what exports pass to ``FieldType.exporter``: text (or None, giving "") -> the cell text
TextCell = Callable[[str | None], str]


def plain_text(value: str | None) -> str:
    """A text cell as it is ("" for no value)."""
    return "" if value is None else value


class FilterError(ValueError):
    """A filter value that this field type cannot use."""


class GroupingError(ValueError):
    """A cross-tab grouping or measure that this field type does not offer."""


#: the grouping of a field's stored value as it is (a choice value, a number)
BY_VALUE = "value"


class Required:
    """Fails when the cleaned value is empty (white space only counts as empty)."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.process_errors:
            raise v.StopValidation()  # the input was there but unreadable: keep that message
        if field.data is None or field.data in ("", [], False):
            field.errors[:] = []
            raise v.StopValidation(self.message)


class Between(validate.Range):
    """A setting's allowed range, with a message the web layer can translate."""

    def _format_error(self, value, message):
        if self.min is not None and self.max is not None:
            return Msg("Use a number from %(min)s to %(max)s.", min=self.min, max=self.max)
        if self.min is not None:
            return Msg("Use a number of %(min)s or more.", min=self.min)
        return Msg("Use a number of %(max)s or less.", max=self.max)


class BaseSettings(Schema):
    """Settings every field has, whatever its type."""

    key = fields.String(metadata={"label": N_("Item ID"), "advanced": True})
    type = fields.String(required=True)
    label = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=500, error=N_("Enter the question (at most 500 characters).")
        ),
        metadata={"label": N_("Question")},
    )
    help = fields.String(load_default="", metadata={"label": N_("Help text"), "widget": "textarea"})
    required = fields.Boolean(load_default=False, metadata={"label": N_("Required")})
    #: display condition; checked against the other items by builder.conditions
    show_if = fields.Raw(
        allow_none=True, metadata={"label": N_("Show only if"), "widget": "conditions"}
    )


def _untranslated(text: str) -> str:
    return text


def _remembered(gettext: Callable[[str], str]) -> Callable[[str], str]:
    """*gettext*, asked once per text: a bound field type serves one language."""
    known: dict[str, str] = {}

    def translated(text: str) -> str:
        found = known.get(text)
        if found is None:
            found = known[text] = gettext(text)
        return found

    return translated


class FieldType:
    """Base class of all field types; subclasses set the class attributes below."""

    #: registry name, used in definitions ("text", "radio", ...)
    name: str = ""
    #: human name shown in the palette (translated where shown)
    label: str = ""
    group: str = "basic"
    icon: str = "text"
    #: marshmallow schema of this type's own settings (merged with BaseSettings)
    settings_schema: type[Schema] = Schema
    storage_kind: str = "text"
    #: whether an index on the column helps list filters and cross-tabs
    indexed: bool = True
    filter_ops: tuple[str, ...] = ("eq",)
    #: input box width when the field does not set one: "" (full), short, medium
    default_width: str = ""
    #: what an empty required item says
    required_message: str = N_("This item is required.")
    #: how the list view asks for a filter value: text | number | date | choice
    filter_widget: str = "text"
    #: whether the citizen sees the item (a hidden item is set from the address)
    citizen_sees: bool = True
    #: the comparisons a display condition (show_if) may make on this field's answer
    condition_ops: tuple[str, ...] = ("eq", "ne", "in", "filled")
    #: how the browser reads the answer for display conditions: text | number | date |
    #: choice | multi | bool
    condition_kind: str = "text"
    #: whether "one application per value" may use this field (an e-mail, a name ...)
    identifies_applicant: bool = True
    #: whether a value is an e-mail address that mail can be sent to (the auto-reply)
    mail_address: bool = False
    #: whether answers are uploaded files (the web layer stores them: app.attachments)
    takes_files: bool = False
    #: filter operations whose value is a list (the argument given several times)
    list_ops: tuple[str, ...] = ()
    #: whether the list's search box looks in this field
    searchable: bool = False
    #: how cross-tabs may group records by this field (the first is the default)
    groupings: tuple[str, ...] = (BY_VALUE,)
    #: whether sums, averages, minimums and maximums of this field mean something
    measurable: bool = False

    def __init__(
        self,
        spec: dict,
        gettext: Callable[[str], str] | None = None,
        today: dt.date | None = None,
    ):
        self.spec = spec
        self._ = _remembered(gettext) if gettext is not None else _untranslated
        #: the day of answering where the office is (limits relative to "today" use it)
        self.today = today or dt.date.today()

    # -- identity ---------------------------------------------------------
    @property
    def key(self) -> str:
        return self.spec["key"]

    @property
    def title(self) -> str:
        return self.spec.get("label", self.key)

    def sql_type(self) -> sa.types.TypeEngine | None:
        """The SQL type of this field's column (None when values live in the child table)."""
        factory = STORAGE_TYPES[self.storage_kind]
        return factory() if factory else None

    # -- settings ---------------------------------------------------------
    @classmethod
    def starter(cls, gettext: Callable[[str], str]) -> dict:
        """Settings of a field just dropped on the canvas (besides type, key and label)."""
        return {}

    @classmethod
    def counts_seats(cls, spec: dict) -> bool:
        """Whether this field's answer can be the number of seats an application takes."""
        return False

    @classmethod
    def check_settings(cls, spec: dict) -> dict:
        """Type-specific cross-setting checks; return {setting: message} for problems."""
        return {}

    # -- web form ---------------------------------------------------------
    def validators(self) -> list:
        _ = self._
        if self.spec.get("required"):
            return [Required(_(self.required_message))]
        return [v.Optional()]

    def hint(self) -> str:
        """A short line under the question saying what is accepted (e.g. a number's range)."""
        return ""

    def render_kw(self) -> dict:
        kw = {}
        if self.spec.get("placeholder"):
            kw["placeholder"] = self.spec["placeholder"]
        if self.spec.get("required"):
            kw["aria-required"] = "true"
        return kw

    def form_field(self):
        """Return an unbound WTForms field for this field."""
        raise NotImplementedError

    def input_field(self, field_class, **options):
        """An unbound *field_class* with this field's question, help, checks and attributes."""
        return field_class(
            self.title,
            description=self.spec.get("help", ""),
            validators=self.validators(),
            render_kw=self.render_kw(),
            **options,
        )

    def value_from_form(self, data):
        """Turn the validated WTForms data into the value that is stored."""
        if data in ("", None):
            return None
        return data

    def set_seats(
        self, left: dict[str, int], *, waitlist: bool = False, show_remaining: bool = False
    ) -> None:
        """Take the seats left per choice value (types with limited choices show them)."""

    def applicant_identity(self, value) -> str | None:
        """*value* as compared for "one application per value" (None: not answered)."""
        if value is None or value == "":
            return None
        return nfkc(str(value)).strip().casefold()

    def form_input(self, value) -> list[str]:
        """The request strings that reproduce *value* when posted back to the form."""
        if value is None:
            return []
        return [str(value)]

    # -- display and export ------------------------------------------------
    def display(self, value) -> str:
        return "" if value is None else str(value)

    def export(self, value):
        """The value of a CSV/xlsx cell: a string, or a number left for the sheet to format."""
        return self.display(value)

    def exporter(self, text_cell: TextCell | None = None) -> Callable[[object], object]:
        """A function stored value -> export cell, made once per export: the same cell as
        ``export``, with every text passed through *text_cell* (the export's formula
        safety; it turns None into ""). Types with many values give a faster function."""
        export, text_cell = self.export, text_cell or plain_text

        def cell(value):
            made = export(value)
            return made if isinstance(made, (int, Decimal)) else text_cell(str(made))

        return cell

    def sheet_exporter(self, text_cell: TextCell | None = None) -> Callable[[object], object]:
        """A function stored value -> .xlsx cell: a number, a date or a text (the sheet
        writer types each cell by its Python type). The CSV cell unless a type says better."""
        return self.exporter(text_cell)

    def to_json(self, value):
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value

    def import_input(self, text: str) -> list[str]:
        """The request strings a cell of an imported file (CSV or .xlsx, as text) stands
        for, checked afterwards like the public form's input; raise ValueError with a
        message when the text cannot be one (a choice that does not exist...)."""
        return [text]

    def json_to_form_input(self, value) -> list[str]:
        """Convert an API JSON value to request strings; raise TypeError on a wrong type."""
        if value is None:
            return []
        if isinstance(value, (bool, list, dict)):
            raise TypeError(self._("Expected a string."))
        return [str(value)]

    # -- editing and history ------------------------------------------------
    def keeping(self, value) -> FieldType:
        """This field for editing a record that holds *value*: a type whose rules have
        since changed (a removed choice) still offers the stored value."""
        return self

    def history_value(self, value):
        """*value* as JSON for a record's history: dates as ISO text, decimals as text."""
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, (list, tuple)):
            return list(value)
        return value

    def from_history(self, value):
        """The stored value that :meth:`history_value` wrote as *value*."""
        return value
    # -- display conditions (show_if) -------------------------------------------
    def condition_operand(self, value):
        """The value a condition compares this field's answer with, as compared.

        *value* comes from the definition; raise ValueError(message) when it cannot be used.
        """
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = nfkc(str(value))
            if text:
                return text
        raise ValueError(N_("Enter the value to compare with."))

    def condition_answer(self, value):
        """This field's answer (a stored value) as conditions compare it."""
        return nfkc(value) if isinstance(value, str) else value

    def condition_holds(self, op: str, answer, operand) -> bool:
        """Whether *answer* (see ``condition_answer``) meets the comparison *op*."""
        if op == "filled":
            return answer not in (None, "", [], False)
        if op == "eq":
            return answer is not None and answer == operand
        if op == "ne":
            return not (answer is not None and answer == operand)
        if op == "in":
            return answer is not None and answer in operand
        if answer is None or answer == "":
            return False
        if op == "gt":
            return answer > operand
        if op == "lt":
            return answer < operand
        return False

    def condition_json(self, operand):
        """*operand* as the browser's script compares it."""
        return self.to_json(operand)

    def condition_text(self, operand) -> str:
        """*operand* as people read it in a condition ("「花泉」")."""
        return self.display(operand)

    # -- list filters and sorting -------------------------------------------
    def filter_options(self) -> list[tuple[str, str]]:
        """(value, label) pairs offered by a "choice" filter."""
        return []

    def all_filter_ops(self) -> tuple[str, ...]:
        """Every filter operation: the type's own, and ``empty`` (blank or not)."""
        return self.filter_ops + ("empty",) if self.filter_ops else ()

    def op_widget(self, op: str) -> str:
        """How the list view asks for the value of filter *op*."""
        return "empty" if op == "empty" else self.filter_widget

    def op_options(self, op: str) -> list[tuple[str, str]]:
        """(value, label) pairs offered for filter *op* (a choice or period list)."""
        if op == "empty":
            return [(value, self._(label)) for value, label in EMPTY_CHOICES]
        return self.filter_options()

    def empty_clause(self, column):
        """SQL condition: the item was left blank."""
        return column.is_(None)

    def presence_clause(self, column, raw: str):
        """SQL condition of an ``empty`` filter: yes (blank) or no (answered)."""
        wanted = raw.strip().lower()
        if wanted in ("yes", "1", "true"):
            return self.empty_clause(column)
        if wanted in ("no", "0", "false"):
            return sa.not_(self.empty_clause(column))
        raise FilterError(self._("Use yes (empty) or no (not empty)."))

    def search_clause(self, column, text: str):
        """SQL condition for the list's search box, or None if the field is not searched."""
        return itaiji.contains(column, text) if self.searchable else None

    def filter_clause(self, column, op: str, raw: str):
        """SQL condition for a list filter; raises FilterError on an unusable value."""
        # Variant kanji match each other (高 finds 髙): see builder.itaiji.
        if op == "eq":
            return itaiji.equals(column, raw)
        if op == "contains":
            return itaiji.contains(column, raw)
        raise FilterError(self._("This filter is not available for this item."))

    # -- cross-tabs and summaries --------------------------------------------
    def group_expression(self, column, grouping: str, dialect: str):
        """The SQL expression whose value is a record's cross-tab key for *grouping*.

        *dialect* is the database's name (``sqlite``, ``postgresql``). Raises
        GroupingError when this field cannot be grouped so.
        """
        if grouping not in self.groupings:
            raise GroupingError(self._("This item cannot be grouped like this."))
        return column

    def group_key(self, value, grouping: str):
        """A key read from the database, as the JSON value the API answers."""
        return self.to_json(value)

    def group_keys(self) -> list:
        """The keys a summary lists even when no record has them (a choice nobody chose)."""
        return []

    def group_order(self, key) -> tuple:
        """Sort key of a (non-empty) cross-tab key: the field's own order, then the value."""
        return (0, key)

    def group_label(self, key, grouping: str) -> str:
        """How a cross-tab key is shown to people."""
        return self.display(key)
