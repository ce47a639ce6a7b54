"""Choice field types: single choice (radio buttons or a drop-down) and multiple choice."""

import re

from marshmallow import Schema, ValidationError, fields, validate
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, widgets
from wtforms import validators as v
from wtforms.fields.choices import SelectChoice

from builder.fields.base import Between, FieldType, FilterError, plain_text
from builder.i18n import N_, Msg
from builder.normalise import nfkc

MAX_CHOICE_LENGTH = 200
#: how an imported cell separates the choices of a multiple-choice answer
_SEPARATORS = re.compile(r"[、,，;；\n]")
#: what an imported consent cell may say (besides the field's own wording), lower-cased
_AGREED = {"y", "yes", "1", "true", "はい", "同意する", "同意", "agreed", "○", "✓"}
_NOT_AGREED = {"", "n", "no", "0", "false", "いいえ", "同意しない", "not agreed"}


class _Labels(dict):
    """Stored choice value -> export cell (its label through the export's text cell); an
    empty answer is an empty cell, a value no choice has is shown as it is."""

    def __init__(self, labels: dict, text_cell):
        super().__init__({value: text_cell(label) for value, label in labels.items()})
        self[None] = ""
        self.text_cell = text_cell

    def __missing__(self, value):
        return self.text_cell(str(value))


class _Shown(dict):
    """Chosen value -> how an export shows it: its label, or the value itself when the
    label is empty or no choice has the value any more."""

    def __init__(self, labels: dict):
        super().__init__({value: label or str(value) for value, label in labels.items()})

    def __missing__(self, value):
        return str(value)


class ChoiceList(fields.Field):
    """Choices as strings or {"value", "label"} objects, loaded as objects with unique values."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError(N_("Choices must be a list."))
        choices, seen = [], set()
        for item in value:
            if isinstance(item, str):
                item = {"value": item.strip(), "label": item.strip()}
            if not isinstance(item, dict) or set(item) - {"value", "label", "capacity"}:
                raise ValidationError(
                    N_("Each choice is a text or a value, a label and optionally seats.")
                )
            choice_value = str(item.get("value", item.get("label", ""))).strip()
            label = str(item.get("label", choice_value)).strip()
            if not choice_value or not label:
                raise ValidationError(N_("A choice is empty."))
            if len(choice_value) > MAX_CHOICE_LENGTH or len(label) > MAX_CHOICE_LENGTH:
                raise ValidationError(N_("A choice is too long."))
            if choice_value in seen:
                raise ValidationError(
                    Msg("The choice “%(value)s” appears twice.", value=choice_value)
                )
            seen.add(choice_value)
            choice = {"value": choice_value, "label": label}
            capacity = item.get("capacity")
            if capacity is not None:
                if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
                    raise ValidationError(
                        Msg(
                            "The seats of the choice “%(label)s” must be a whole number of "
                            "1 or more.",
                            label=label,
                        )
                    )
                choice["capacity"] = capacity
            choices.append(choice)
        if not choices:
            raise ValidationError(N_("Add at least one choice."))
        return choices


class SingleChoiceSettings(Schema):
    choices = ChoiceList(
        required=True,
        metadata={"label": N_("Choices"), "widget": "choices", "seats": True},
    )
    default = fields.String(metadata={"label": N_("Chosen at first"), "widget": "choice"})


class MultipleChoiceSettings(Schema):
    choices = ChoiceList(
        required=True,
        metadata={"label": N_("Choices"), "widget": "choices", "seats": True},
    )
    min_selected = fields.Integer(
        validate=Between(min=0), metadata={"label": N_("At least this many")}
    )
    max_selected = fields.Integer(
        validate=Between(min=1), metadata={"label": N_("At most this many")}
    )
    default = fields.List(
        fields.String(), metadata={"label": N_("Chosen at first"), "widget": "choice_multi"}
    )


class ChoiceMixin:
    """Shared behaviour of the choice types: labels, value checks, filters."""

    filter_ops = ("eq",)
    filter_widget = "choice"
    required_message = N_("Please choose.")
    condition_kind = "choice"

    def condition_operand(self, value):
        if isinstance(value, str) and value in {c["value"] for c in self.choices}:
            return value
        raise ValueError(
            Msg(
                "“%(value)s” is not one of the choices of “%(label)s”.",
                value=str(value),
                label=self.title,
            )
        )

    def condition_answer(self, value):
        return value

    def condition_text(self, operand):
        return self.label_of(operand)
    identifies_applicant = False
    #: choice value -> seats left, for choices with their own capacity (set where the form
    #: is shown: full choices are marked 満員 and cannot be chosen)
    seats_left: dict[str, int] | None = None
    #: whether a full choice still takes applications (on the waiting list)
    waitlist: bool = False
    #: whether the seats left are shown next to each limited choice
    show_remaining: bool = False

    @classmethod
    def starter(cls, gettext):
        return {
            "choices": [
                {"value": f"c{n}", "label": gettext("Choice %(n)d") % {"n": n}} for n in (1, 2, 3)
            ]
        }

    def filter_options(self):
        return self.choice_pairs()

    @property
    def choices(self) -> list[dict]:
        return self.spec.get("choices", [])

    def choice_pairs(self):
        return [(c["value"], c["label"]) for c in self.choices]

    def select_choices(self) -> list[SelectChoice]:
        return [self._select_choice(c) for c in self.choices]

    def _select_choice(self, choice: dict) -> SelectChoice:
        left = (self.seats_left or {}).get(choice["value"])
        if left is None:
            return SelectChoice(choice["value"], choice["label"])
        _ = self._
        if left <= 0 and self.waitlist:
            note, attributes = _("Full: waiting list"), {}
        elif left <= 0:
            note, attributes = _("Full"), {"disabled": True}
        elif self.show_remaining:
            note, attributes = _("%(n)d seats left") % {"n": left}, {}
        else:
            return SelectChoice(choice["value"], choice["label"])
        return SelectChoice(choice["value"], f"{choice['label']}（{note}）", attributes)

    def set_seats(self, left, *, waitlist=False, show_remaining=False):
        self.seats_left = dict(left)
        self.waitlist, self.show_remaining = waitlist, show_remaining

    def full_choices(self) -> set[str]:
        """The choice values that have no seat left (refused unless on the waiting list)."""
        if self.waitlist:
            return set()
        return {value for value, left in (self.seats_left or {}).items() if left <= 0}

    def check_seats(self, chosen) -> None:
        """Refuse a full choice (a page opened before it filled up, or a tampered one)."""
        full = self.full_choices() & set(chosen)
        if full:
            names = "、".join(self.label_of(value) for value in sorted(full))
            raise v.ValidationError(
                self._("%(choice)s is full. Please choose another.") % {"choice": names}
            )

    def label_of(self, value) -> str:
        """The label of a choice value, also of a choice since removed from the form."""
        for choice in self.choices + self.spec.get("past_choices", []):
            if choice["value"] == value:
                return choice["label"]
        return str(value)

    def group_keys(self) -> list:
        return [c["value"] for c in self.choices]

    def group_order(self, key) -> tuple:
        """Choices in the form's order, then removed choices, then other values."""
        order = [c["value"] for c in self.choices + self.spec.get("past_choices", [])]
        return (order.index(key), "") if key in order else (len(order), str(key))

    def group_label(self, key, grouping):
        return self.label_of(key)
    def labels(self) -> dict:
        """choice value -> label (as ``label_of`` finds it), for exports."""
        found = {}
        for choice in self.choices + self.spec.get("past_choices", []):
            found.setdefault(choice["value"], choice["label"])
        return found

    def choice_value(self, text: str) -> str:
        """The choice value *text* names: the value itself, or a choice's label (also
        written with full-width or half-width letters); *text* unchanged if none."""
        values = {c["value"] for c in self.choices}
        if text in values:
            return text
        wanted = nfkc(text)
        for choice in self.choices:
            if nfkc(choice["label"]) == wanted or nfkc(choice["value"]) == wanted:
                return choice["value"]
        return text

    def import_input(self, text):
        return [self.choice_value(text)] if text.strip() else [""]

    def check_choice(self, raw):
        if raw not in {c["value"] for c in self.choices}:
            raise FilterError(self._("This is not one of the choices."))
        return raw

    def json_to_form_input(self, value):
        if value is None:
            return []
        if not isinstance(value, str):
            raise TypeError(self._("Expected one of the choice values."))
        return [value]

    def keeping(self, value):
        """Also offer the stored choices the form no longer has, marked as such."""
        chosen = value if isinstance(value, list) else [value]
        offered = {c["value"] for c in self.choices}
        missing = [x for x in chosen if x is not None and x not in offered]
        if not missing:
            return self
        marked = self._("%(label)s (no longer offered)")
        kept = [{"value": x, "label": marked % {"label": self.label_of(x)}} for x in missing]
        return type(self)({**self.spec, "choices": self.choices + kept}, self._, self.today)


class RadioType(ChoiceMixin, FieldType):
    """One choice among several, shown as radio buttons."""

    name = "radio"
    label = N_("Single choice (buttons)")
    icon = "radio"
    group = "choice"
    settings_schema = SingleChoiceSettings
    storage_kind = "text"
    template_macro = "choice_group"

    def form_field(self):
        field_class = RadioField if self.template_macro == "choice_group" else SelectField
        choices = self.select_choices()
        if field_class is SelectField:
            choices = [SelectChoice("", self._("Please choose"))] + choices
        return field_class(
            self.title,
            description=self.spec.get("help", ""),
            choices=choices,
            validators=self.validators(),
            default=self.spec.get("default"),
            validate_choice=False,
            render_kw=self.render_kw(),
        )

    def validate_choice_value(self, form, field):
        if field.data not in (None, "") and field.data not in {c["value"] for c in self.choices}:
            raise v.ValidationError(self._("Choose one of the choices."))
        if field.data not in (None, ""):
            self.check_seats([field.data])

    def validators(self):
        return super().validators() + [self.validate_choice_value]

    def value_from_form(self, data):
        return data or None

    def display(self, value):
        return "" if value is None else self.label_of(value)

    def exporter(self, text_cell=None):
        text_cell = text_cell or plain_text
        # a dict look-up per cell; a value no choice has any more is shown as it is
        return _Labels(self.labels(), text_cell).__getitem__

    def filter_clause(self, column, op, raw):
        if op != "eq":
            raise FilterError(self._("This filter is not available for this item."))
        return column == self.check_choice(raw)


class SelectType(RadioType):
    """One choice among several, shown as a drop-down list."""

    name = "select"
    label = N_("Single choice (drop-down)")
    icon = "select"
    template_macro = "select"


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CheckboxesType(ChoiceMixin, FieldType):
    """Any number of choices, shown as check boxes; stored in the form's value table."""

    name = "checkboxes"
    label = N_("Multiple choice")
    icon = "checkboxes"
    group = "choice"
    settings_schema = MultipleChoiceSettings
    storage_kind = "multi"
    filter_ops = ("eq", "any", "all")
    #: "has any of" and "has all of" take several choices
    list_ops = ("any", "all")
    template_macro = "choice_group"

    @classmethod
    def check_settings(cls, spec):
        low, high = spec.get("min_selected"), spec.get("max_selected")
        if low is not None and high is not None and low > high:
            return {"min_selected": N_("The minimum is larger than the maximum.")}
        return {}

    def validators(self):
        _ = self._
        allowed = {c["value"] for c in self.choices}
        low, high = self.spec.get("min_selected"), self.spec.get("max_selected")

        def check(form, field):
            chosen = field.data or []
            if set(chosen) - allowed:
                raise v.ValidationError(_("Choose among the choices shown."))
            if len(set(chosen)) != len(chosen):
                raise v.ValidationError(_("A choice was sent twice."))
            if chosen and low and len(chosen) < low:
                raise v.ValidationError(_("Choose at least %(n)d.") % {"n": low})
            if high and len(chosen) > high:
                raise v.ValidationError(_("Choose at most %(n)d.") % {"n": high})
            self.check_seats(chosen)

        return super().validators() + [check]

    condition_kind = "multi"

    def condition_holds(self, op, answer, operand):
        """A multiple choice "equals" a value when that value is among those chosen."""
        chosen = set(answer or [])
        if op == "filled":
            return bool(chosen)
        if op == "eq":
            return operand in chosen
        if op == "ne":
            return operand not in chosen
        if op == "in":
            return bool(chosen & set(operand))
        return False

    def form_field(self):
        return MultiCheckboxField(
            self.title,
            description=self.spec.get("help", ""),
            choices=self.select_choices(),
            validators=self.validators(),
            default=self.spec.get("default") or [],
            validate_choice=False,
        )

    def value_from_form(self, data):
        order = [c["value"] for c in self.choices]
        return sorted(set(data or []), key=lambda x: order.index(x) if x in order else len(order))

    def form_input(self, value):
        return list(value or [])

    def display(self, value):
        return "、".join(self.label_of(x) for x in value or [])

    def group_key(self, value, grouping):
        return value  # one chosen option (a row of the value table)
    def exporter(self, text_cell=None):
        text_cell = text_cell or plain_text
        label = _Shown(self.labels()).__getitem__
        join = "、".join

        def cell(values):
            return text_cell(join(map(label, values))) if values else ""

        return cell

    def to_json(self, value):
        return list(value or [])

    def import_input(self, text):
        """Choices separated as the export writes them (、) or by commas or new lines."""
        whole = self.choice_value(text.strip())
        if whole in {c["value"] for c in self.choices}:
            return [whole]
        return [self.choice_value(part.strip()) for part in _SEPARATORS.split(text) if part.strip()]

    def json_to_form_input(self, value):
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise TypeError(self._("Expected a list of choice values."))
        return list(value)

    def op_widget(self, op):
        return "choices" if op in self.list_ops else super().op_widget(op)

    def empty_clause(self, column):
        return column.none()

    def filter_clause(self, column, op, raw):
        if op == "any":
            return column.has_any([self.check_choice(nfkc(value)) for value in raw])
        if op == "all":
            return column.has_all([self.check_choice(nfkc(value)) for value in raw])
        if op != "eq":
            raise FilterError(self._("This filter is not available for this item."))
        return column.has(self.check_choice(nfkc(raw)))


class ConsentSettings(Schema):
    statement = fields.String(
        load_default="",
        metadata={"label": N_("Text to agree to (terms, use of data)"), "widget": "textarea"},
    )
    checkbox_text = fields.String(
        validate=validate.Length(max=200),
        metadata={"label": N_("Check box text (empty: “I agree to the above.”)")},
    )


class ConsentType(FieldType):
    """A single check box the applicant ticks to agree (to terms, to data use...)."""

    name = "consent"
    label = N_("Consent check box")
    icon = "consent"
    group = "choice"
    settings_schema = ConsentSettings
    storage_kind = "boolean"
    identifies_applicant = False
    template_macro = "checkbox"
    filter_widget = "choice"
    condition_ops = ("eq", "ne", "filled")
    condition_kind = "bool"

    def condition_operand(self, value):
        if isinstance(value, bool):
            return value
        raise ValueError(N_("Compare with true (agreed) or false (not agreed)."))

    def condition_answer(self, value):
        return bool(value)

    def condition_json(self, operand):
        return operand

    def condition_text(self, operand):
        return self.display(operand)

    def filter_options(self):
        return [("y", self._("Agreed")), ("n", self._("Not agreed"))]

    def group_keys(self) -> list:
        return [True, False]

    def group_order(self, key) -> tuple:
        return (0 if key else 1,)

    def checkbox_text(self) -> str:
        """What the citizen ticks: the staff's wording, or "I agree to the above."."""
        return self.spec.get("checkbox_text") or self._("I agree to the above.")

    def validators(self):
        _ = self._

        def agreed(form, field):
            if self.spec.get("required") and not field.data:
                raise v.StopValidation(_("Please tick the box to agree."))

        return [agreed]

    def form_field(self):
        return BooleanField(
            self.title,
            description=self.spec.get("help", ""),
            validators=self.validators(),
            false_values=("", "false", "n", "0", "off"),
        )

    def value_from_form(self, data):
        return bool(data)

    def form_input(self, value):
        return ["y"] if value else []

    def display(self, value):
        if value is None:
            return ""
        return self._("Agreed") if value else self._("Not agreed")

    def to_json(self, value):
        return value

    def import_input(self, text):
        wanted = nfkc(text).lower()
        if wanted in _AGREED or wanted == nfkc(self._("Agreed")).lower():
            return ["y"]
        if wanted in _NOT_AGREED or wanted == nfkc(self._("Not agreed")).lower():
            return []
        raise ValueError(self._("Write “%(yes)s” or leave it empty.") % {"yes": self._("Agreed")})

    def json_to_form_input(self, value):
        if value is None:
            return []
        if not isinstance(value, bool):
            raise TypeError(self._("Expected true or false."))
        return ["y"] if value else []

    def filter_clause(self, column, op, raw):
        if op != "eq" or raw not in ("y", "n"):
            raise FilterError(self._("This filter is not available for this item."))
        return column.is_(True) if raw == "y" else column.isnot(True)
