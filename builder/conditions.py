"""Display conditions (``show_if``): which questions and sections apply to an applicant.

A condition compares the answer of an earlier question::

    {"field": "ward", "op": "eq", "value": "hanaizumi"}

and several combine as ``{"all": [condition, ...]}`` or ``{"any": [condition, ...]}``.
Operators: eq, ne, in (a list of values), filled, gt and lt (numbers and dates). What an
operator means for a type of answer (a multiple choice "equals" a value when that value is
among those chosen) is the field type's business: ``FieldType.condition_*``.

Everything here is pure: no request, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from builder.fields.base import FieldType
from builder.i18n import N_, Msg

OPS = ("eq", "ne", "in", "filled", "gt", "lt")
GROUPS = ("all", "any")
MAX_CONDITIONS = 20
SECTION = "section"

#: how each comparison reads in a sentence (the question and the value are filled in)
OP_PHRASES = {
    "eq": N_("“%(field)s” is %(value)s"),
    "ne": N_("“%(field)s” is not %(value)s"),
    "in": N_("“%(field)s” is one of %(value)s"),
    "filled": N_("“%(field)s” is answered"),
    "gt": N_("“%(field)s” is more than %(value)s"),
    "lt": N_("“%(field)s” is less than %(value)s"),
}
#: the operators' names as the designer offers them
OP_LABELS = {
    "eq": N_("is"),
    "ne": N_("is not"),
    "in": N_("is one of"),
    "filled": N_("is answered"),
    "gt": N_("is more than"),
    "lt": N_("is less than"),
}


class RuleError(ValueError):
    """A show_if value that is not a condition; ``args[0]`` is the message."""


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: object = None


@dataclass(frozen=True)
class Rule:
    """Conditions that must all hold (``mode == "all"``) or at least one (``"any"``)."""

    mode: str
    conditions: tuple[Condition, ...]


def _condition(raw) -> Condition:
    if not isinstance(raw, dict) or set(raw) - {"field", "op", "value"}:
        raise RuleError(N_("A condition has a question (field), a comparison (op) and a value."))
    key, op = raw.get("field"), raw.get("op")
    if not isinstance(key, str) or not key:
        raise RuleError(N_("Choose the question the condition depends on."))
    if op not in OPS:
        raise RuleError(Msg("Choose a comparison among: %(ops)s.", ops=", ".join(OPS)))
    return Condition(key, op, raw.get("value"))


def parse(raw) -> Rule | None:
    """The rule of a show_if value (None when there is none); RuleError if malformed."""
    if raw is None:
        return None
    if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in GROUPS:
        mode, items = next(iter(raw.items()))
        if not isinstance(items, list) or not items:
            raise RuleError(N_("Add at least one condition."))
        if len(items) > MAX_CONDITIONS:
            raise RuleError(Msg("Use at most %(n)d conditions.", n=MAX_CONDITIONS))
        return Rule(mode, tuple(_condition(item) for item in items))
    return Rule("all", (_condition(raw),))


def referenced(raw) -> set[str]:
    """The keys of the questions a show_if value depends on (empty if malformed)."""
    try:
        rule = parse(raw)
    except RuleError:
        return set()
    return {c.field for c in rule.conditions} if rule else set()


def operand(condition: Condition, field_type: FieldType):
    """The condition's value as the field type compares it; ValueError if unusable."""
    if condition.op == "filled":
        return None
    if condition.op == "in":
        if not isinstance(condition.value, list) or not condition.value:
            raise ValueError(N_("“Is one of” needs a list of values."))
        return [field_type.condition_operand(v) for v in condition.value]
    return field_type.condition_operand(condition.value)


def check(raw, earlier: Mapping[str, FieldType]) -> list[str]:
    """Problems of a show_if value, given the questions placed before the item (in order)."""
    try:
        rule = parse(raw)
    except RuleError as exc:
        return [exc.args[0]]
    problems: list[str] = []
    for condition in rule.conditions if rule else ():
        field_type = earlier.get(condition.field)
        if field_type is None:
            problems.append(
                Msg(
                    "The condition depends on “%(key)s”, which is not a question above this "
                    "item. A condition can only depend on earlier questions.",
                    key=condition.field,
                )
            )
            continue
        if condition.op not in field_type.condition_ops:
            problems.append(
                Msg(
                    "“%(op)s” cannot be used with “%(label)s”: more and less than only "
                    "compare numbers and dates.",
                    op=condition.op,
                    label=field_type.title,
                )
            )
            continue
        try:
            operand(condition, field_type)
        except ValueError as exc:
            problems.append(exc.args[0])
    return problems


def holds(rule: Rule | None, answers: Mapping[str, object], types: Mapping[str, FieldType]):
    """Whether *rule* holds for *answers* (key -> stored value; hidden questions absent)."""
    if rule is None:
        return True
    results = []
    for condition in rule.conditions:
        field_type = types.get(condition.field)
        if field_type is None:
            results.append(False)
            continue
        try:
            value = operand(condition, field_type)
        except ValueError:
            results.append(False)
            continue
        answer = field_type.condition_answer(answers.get(condition.field))
        results.append(bool(field_type.condition_holds(condition.op, answer, value)))
    return all(results) if rule.mode == "all" else any(results)


def _rule(item: dict) -> Rule | None:
    try:
        return parse(item.get("show_if"))
    except RuleError:
        return None  # a stored version's rule that later checks refuse: shown always


def hidden_keys(
    items: Iterable[dict], types: Mapping[str, FieldType], answers: Mapping[str, object]
) -> set[str]:
    """Keys of the sections and questions hidden by their conditions, for *answers*.

    *items* are a definition's items in order (sections with their fields). A question
    in a hidden section is hidden, and a hidden question counts as unanswered for the
    conditions after it.
    """
    hidden: set[str] = set()
    known: dict[str, object] = {}

    def visit(item: dict, parent_hidden: bool) -> bool:
        gone = parent_hidden or not holds(_rule(item), known, types)
        if gone:
            hidden.add(item["key"])
        return gone

    for item in items:
        if item.get("type") == SECTION:
            section_hidden = visit(item, False)
            for child in item.get("fields", []):
                if not visit(child, section_hidden):
                    known[child["key"]] = answers.get(child["key"])
        elif not visit(item, False):
            known[item["key"]] = answers.get(item["key"])
    return hidden


def to_json(raw, types: Mapping[str, FieldType]) -> dict | None:
    """A rule as the browser's script evaluates it: {"mode", "conditions": [...]}."""
    rule = _rule({"show_if": raw})
    if rule is None:
        return None
    conditions = []
    for condition in rule.conditions:
        field_type = types.get(condition.field)
        if field_type is None:
            conditions.append({"field": condition.field, "op": "never", "value": None})
            continue
        try:
            value = operand(condition, field_type)
        except ValueError:
            conditions.append({"field": condition.field, "op": "never", "value": None})
            continue
        if condition.op == "in":
            value = [field_type.condition_json(v) for v in value]
        elif value is not None:
            value = field_type.condition_json(value)
        conditions.append(
            {
                "field": condition.field,
                "op": condition.op,
                "value": value,
                "kind": field_type.condition_kind,
            }
        )
    return {"mode": rule.mode, "conditions": conditions}


def describe(raw, types: Mapping[str, FieldType], gettext: Callable[[str], str]) -> str:
    """The rule in words: “「地区」が「花泉」” (joined with “and” / “or”)."""
    rule = _rule({"show_if": raw})
    if rule is None:
        return ""
    parts = []
    for condition in rule.conditions:
        field_type = types.get(condition.field)
        if field_type is None:
            continue
        try:
            value = operand(condition, field_type)
        except ValueError:
            continue
        if condition.op == "in":
            text = gettext(", ").join(
                gettext("“%(value)s”") % {"value": field_type.condition_text(v)} for v in value
            )
        elif value is None:
            text = ""
        else:
            text = gettext("“%(value)s”") % {"value": field_type.condition_text(value)}
        parts.append(gettext(OP_PHRASES[condition.op]) % {"field": field_type.title, "value": text})
    joiner = gettext(" and ") if rule.mode == "all" else gettext(" or ")
    return joiner.join(parts)
