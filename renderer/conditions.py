"""Display conditions on a filled-in WTForms form: what is hidden, checked and stored.

The same functions serve the public form and the API, so both hide, check and store the
same questions. A value sent for a hidden question is ignored: it is not checked, not
shown on the confirmation page and not stored (its column stays NULL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_wtf import FlaskForm

from builder import conditions
from builder.definition import SECTION, Definition
from builder.fields.base import FieldType
from renderer.form_class import field_name

#: fields of the form class that belong to the page, not to a question
PAGE_FIELDS = ("csrf_token", "submission_token")


def answers(web_form: FlaskForm, fields: Iterable[FieldType]) -> dict[str, object]:
    """key -> value as it would be stored; an unreadable answer counts as unanswered."""
    out: dict[str, object] = {}
    for field_type in fields:
        bound = web_form._fields.get(field_name(field_type.key))
        if bound is None or bound.process_errors:
            continue
        try:
            out[field_type.key] = field_type.value_from_form(bound.data)
        except (ValueError, TypeError, ArithmeticError):
            continue
    return out


def hidden(definition: Definition, fields: list[FieldType], web_form: FlaskForm) -> set[str]:
    """Keys of the sections and questions that the form's answers hide."""
    types = {f.key: f for f in fields}
    return conditions.hidden_keys(definition.items, types, answers(web_form, fields))


def validate_keys(web_form: FlaskForm, keys: Iterable[str]) -> bool:
    """Validate the page's own fields and the questions *keys* only (others keep no errors)."""
    wanted = {field_name(key) for key in keys} | set(PAGE_FIELDS)
    valid = True
    for name, bound in web_form._fields.items():
        if name not in wanted:
            bound.errors = []
            continue
        if not bound.validate(web_form):
            valid = False
        bound.errors = list(dict.fromkeys(bound.errors))
    return valid


def visible_values(
    web_form: FlaskForm, fields: list[FieldType], hidden_keys: set[str]
) -> dict[str, object]:
    """key -> value to store; a hidden question stores nothing (None: NULL, no choices),
    which also clears it when an earlier answer is changed."""
    values: dict[str, object] = {}
    for field_type in fields:
        if field_type.key in hidden_keys:
            values[field_type.key] = None
            continue
        bound = web_form._fields.get(field_name(field_type.key))
        if bound is not None:
            values[field_type.key] = field_type.value_from_form(bound.data)
    return values


def rule_items(definition: Definition) -> list[dict]:
    """Sections and questions that have a display condition, in the form's order."""
    out = []
    for item in definition.items:
        if item.get("show_if") is not None:
            out.append(item)
        if item["type"] == SECTION:
            out.extend(child for child in item["fields"] if child.get("show_if") is not None)
    return out


def browser_rules(
    definition: Definition, fields: list[FieldType], gettext: Callable[[str], str]
) -> dict[str, dict]:
    """key -> {"rule", "label", "text"} for the browser's script and the page's notes."""
    types = {f.key: f for f in fields}
    out = {}
    for item in rule_items(definition):
        out[item["key"]] = {
            "rule": conditions.to_json(item["show_if"], types),
            "label": item.get("label") or "",
            "section": item["type"] == SECTION,
            "text": conditions.describe(item["show_if"], types, gettext),
        }
    return out


def browser_answers(
    fields: list[FieldType], values: dict[str, object], keys: Iterable[str]
) -> dict[str, object]:
    """The answers of questions not on the page (*keys*) as the browser's rules read them."""
    types = {f.key: f for f in fields}
    out = {}
    for key in keys:
        field_type = types.get(key)
        if field_type is None or key not in values:
            continue
        answer = field_type.condition_answer(values[key])
        if isinstance(answer, list):
            out[key] = [field_type.condition_json(a) for a in answer]
        else:
            out[key] = None if answer is None else field_type.condition_json(answer)
    return out
