"""What the public pages show and check about seats and duplicates, before the atomic
step at submit decides."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.events import links, registration, seats
from app.events.rules import FORM_POOL, WAITLISTED, Rules, choice_pool
from app.extensions import db
from app.forms.published import published_definition
from app.models import Form
from app.records.store import tables_for
from builder.definition import Definition
from builder.fields.base import FieldType


@dataclass(frozen=True)
class Availability:
    """The form's seats as the public page shows them."""

    #: seats left in the whole form (None: not limited)
    left: int | None = None
    waitlist: bool = False
    show_remaining: bool = False

    @property
    def full(self) -> bool:
        return self.left is not None and self.left <= 0

    @property
    def closed_by_capacity(self) -> bool:
        """The form is full and has no waiting list: the "full" page replaces it."""
        return self.full and not self.waitlist


def annotate(
    form: Form, definition: Definition, fields: list[FieldType], own: dict[str, int] | None = None
) -> Availability:
    """Give each choice field the seats left of its limited choices (full ones show
    満員 and cannot be chosen), and return the form's availability. *own* (pool -> n) are
    seats the applicant holds already (changing an application): they count as free."""
    rules = Rules.of(definition)
    if not rules.limited:
        return Availability()
    left = seats.left(form)
    for pool, n in (own or {}).items():
        if pool in left:
            left[pool] += n
    for field_type in fields:
        limited = rules.choice_limits.get(field_type.key)
        if limited:
            field_type.set_seats(
                {
                    value: left.get(choice_pool(field_type.key, value), limit)
                    for value, limit in limited.items()
                },
                waitlist=rules.waitlist,
                show_remaining=rules.show_remaining,
            )
    return Availability(
        left=left.get(FORM_POOL) if rules.limit is not None else None,
        waitlist=rules.waitlist,
        show_remaining=rules.show_remaining,
    )


def defer_seats(fields: list[FieldType]) -> None:
    """Let the fields accept any choice: the seats are checked by the step that stores."""
    for field_type in fields:
        field_type.set_seats({})


def check_answers(form: Form, definition: Definition, values: dict) -> dict[str, list[str]]:
    """field key -> messages for answers the event rules refuse before the submit: a
    number of people below 1 or above the form's seats, an answer already used."""
    rules = Rules.of(definition)
    problems: dict[str, list[str]] = {}
    if rules.count_field and values.get(rules.count_field) is not None:
        count = values[rules.count_field]
        if count < 1:
            problems[rules.count_field] = [_("Enter 1 or more.")]
        elif rules.limit is not None and count > rules.limit:
            problems[rules.count_field] = [
                _("At most %(n)d people can apply at once.", n=rules.limit)
            ]
    if rules.one_per and registration.is_taken(
        form, definition, rules.one_per, values.get(rules.one_per)
    ):
        problems.setdefault(rules.one_per, []).append(duplicate_message())
    return problems


def duplicate_message() -> str:
    return _("An application with this answer has already been received.")


def full_message(exc: registration.Full) -> str:
    """What the applicant reads when the seats ran out while they were filling in."""
    if exc.field_key is None:
        return _(
            "Sorry, the remaining seats were taken while you were filling in the form. "
            "Your answers are kept below."
        )
    return _(
        "Sorry, the remaining seats of the choice were taken while you were filling in the "
        "form. Go back and choose another; your answers are kept."
    )


def refusal_errors(exc: registration.Refused, definition: Definition) -> dict[str, list[str]]:
    """field key -> messages for a refused application (shown next to the field)."""
    if isinstance(exc, registration.Duplicate):
        return {exc.field_key: [duplicate_message()]}
    if isinstance(exc, registration.Full) and exc.field_key is not None:
        value = exc.pool.split("=", 1)[1]
        label = value
        for spec in definition.fields():
            if spec["key"] == exc.field_key:
                label = next(
                    (c["label"] for c in spec.get("choices", []) if c["value"] == value), value
                )
        return {exc.field_key: [_("%(choice)s is full. Please choose another.", choice=label)]}
    return {}


@dataclass(frozen=True)
class AfterSubmit:
    """What the thank-you page says about the application."""

    #: the place on the waiting list (None: not waiting)
    position: int | None
    #: the private link to view, change or cancel (None: the form offers none)
    link: str | None


def after_submit(form: Form, record) -> AfterSubmit:
    return AfterSubmit(
        position=registration.waitlist_position(form, record),
        link=links.cancel_url(form, record),
    )


@dataclass(frozen=True)
class SeatLine:
    """One pool on the staff's form page: what it is, seats taken and its limit."""

    label: str
    taken: int
    limit: int


def seat_summary(form: Form) -> tuple[list[SeatLine], int]:
    """The form's seat pools as staff see them, and how many applications wait."""
    definition = published_definition(form)
    rules = Rules.of(definition)
    if not rules.limited:
        return [], 0
    taken = seats.taken(form)
    lines = []
    if rules.limit is not None:
        lines.append(SeatLine(_("Whole form"), taken.get(FORM_POOL, 0), rules.limit))
    for spec in definition.fields():
        for value, limit in rules.choice_limits.get(spec["key"], {}).items():
            label = next(c["label"] for c in spec["choices"] if c["value"] == value)
            pool = choice_pool(spec["key"], value)
            lines.append(SeatLine(f"{spec['label']}: {label}", taken.get(pool, 0), limit))
    records = tables_for(form).records
    waiting = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(records)
        .where(records.c.status == WAITLISTED, records.c.deleted_at.is_(None))
    )
    return lines, waiting or 0
