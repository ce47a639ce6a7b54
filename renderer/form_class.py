"""Build a WTForms form class from a form's bound field types."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField

from builder.definition import SECTION, Definition
from builder.fields.base import FieldType
from renderer import wtforms_messages

FIELD_PREFIX = "f_"


def field_name(key: str) -> str:
    """The request/HTML name of a field (prefixed so no key can clash with form attributes)."""
    return FIELD_PREFIX + key


class PublicFormBase(FlaskForm):
    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return wtforms_messages.translations

    #: one random token per filled-in form: a double click or re-sent POST stores one record
    submission_token = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        """Validate every field; a message that several checks raise is kept once."""
        valid = super().validate(extra_validators)
        for bound in self._fields.values():
            bound.errors = list(dict.fromkeys(bound.errors))
        return valid


@dataclass
class Layout:
    """What the template walks: sections with their fields, or single fields."""

    section: dict | None
    fields: list[FieldType] = field(default_factory=list)


def build_form_class(fields: list[FieldType]) -> type[FlaskForm]:
    attrs = {}
    for field_type in fields:
        unbound = field_type.form_field()
        if unbound is not None:
            attrs[field_name(field_type.key)] = unbound
    return type("PublicForm", (PublicFormBase,), attrs)


def layout(definition: Definition, fields: list[FieldType]) -> list[Layout]:
    by_key = {f.key: f for f in fields}
    out: list[Layout] = []
    for item in definition.items:
        if item["type"] == SECTION:
            out.append(Layout(item, [by_key[c["key"]] for c in item["fields"]]))
        else:
            out.append(Layout(None, [by_key[item["key"]]]))
    return out


def cleaned_values(form: FlaskForm, fields: list[FieldType]) -> dict[str, object]:
    """field key -> value to store, from a validated form."""
    values = {}
    for field_type in fields:
        bound = form._fields.get(field_name(field_type.key))
        if bound is not None:
            values[field_type.key] = field_type.value_from_form(bound.data)
    return values


def hidden_inputs(values: dict[str, object], fields: list[FieldType]) -> list[tuple[str, str]]:
    """(name, value) pairs that post *values* back unchanged (confirmation page)."""
    pairs = []
    for field_type in fields:
        for text in field_type.form_input(values.get(field_type.key)):
            pairs.append((field_name(field_type.key), text))
    return pairs


def formdata_from_values(values: dict[str, object], fields: list[FieldType]) -> MultiDict:
    """Request-like data that fills the form with *values* (field key -> stored value)."""
    return MultiDict(hidden_inputs(values, fields))


def formdata_from_json(payload: dict, fields: list[FieldType]) -> tuple[MultiDict, dict]:
    """Request-like data from an API JSON object; also {key: message} for wrong types."""
    data, errors = MultiDict(), {}
    for field_type in fields:
        if field_type.key not in payload:
            continue
        try:
            for text in field_type.json_to_form_input(payload[field_type.key]):
                data.add(field_name(field_type.key), text)
        except TypeError as exc:
            errors[field_type.key] = str(exc)
    return data, errors
