"""Staff-only forms (internal surveys): who may answer, each person's answer, and the
surveys waiting for a person.

A form is a staff form when its published definition says ``"audience": "staff"``. Its
settings may limit it to departments (their sub-departments included), take one answer per
person (changeable until the form closes), and make it anonymous: the record then keeps no
user id, and ``survey_respondent`` alone says who has answered.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app import rights
from app.extensions import db
from app.forms.published import published_definition
from app.models import Department, Form, SurveyRespondent, User
from app.models.types import utcnow
from builder.definition import STAFF_AUDIENCE, Definition


@dataclass(frozen=True)
class Survey:
    """The staff-form settings of one published definition."""

    departments: tuple[str, ...] = ()
    one_answer_per_person: bool = False
    anonymous: bool = False

    @classmethod
    def of(cls, definition: Definition) -> Survey:
        settings = definition.settings
        return cls(
            departments=tuple(settings.get("respondents") or ()),
            one_answer_per_person=bool(settings.get("one_answer_per_person")),
            anonymous=bool(settings.get("anonymous")),
        )


def is_staff_form(definition: Definition | None) -> bool:
    """Whether *definition* is for logged-in staff rather than citizens."""
    return definition is not None and definition.settings.get("audience") == STAFF_AUDIENCE


def unknown_departments(names) -> list[str]:
    """Those of *names* that no department has."""
    names = list(dict.fromkeys(names))
    if not names:
        return []
    known = set(db.session.scalars(sa.select(Department.name).where(Department.name.in_(names))))
    return [name for name in names if name not in known]


def may_answer(user: User | None, definition: Definition) -> bool:
    """Whether *user* is among the staff form's respondents (a member of one of its
    departments or of a department below one; anyone logged in if it names none)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    survey = Survey.of(definition)
    if not survey.departments:
        return True
    chosen = set(
        db.session.scalars(sa.select(Department.id).where(Department.name.in_(survey.departments)))
    )
    return bool(rights.with_sub_departments(chosen) & rights.member_department_ids(user))


def respondent(form: Form, user: User) -> SurveyRespondent | None:
    """The row saying *user* has answered *form*, if they have."""
    return db.session.get(SurveyRespondent, (form.id, user.id))


@dataclass
class Waiting:
    form: Form
    #: answered already, and the answer may still be changed
    answered: bool


def waiting_for(user: User) -> list[Waiting]:
    """The published staff forms taking answers that *user* may answer and has not (or has,
    with an answer they may still change), in title order."""
    now = utcnow()
    forms = db.session.scalars(
        sa.select(Form).where(Form.published_version_id.is_not(None)).order_by(Form.title)
    ).all()
    answered = set(
        db.session.scalars(
            sa.select(SurveyRespondent.form_id).where(SurveyRespondent.user_id == user.id)
        )
    )
    found = []
    for form in forms:
        definition = published_definition(form)
        if not (is_staff_form(definition) and form.accepting(now)):
            continue
        if not may_answer(user, definition):
            continue
        survey = Survey.of(definition)
        if form.id not in answered:
            found.append(Waiting(form, answered=False))
        elif survey.one_answer_per_person and not survey.anonymous:
            found.append(Waiting(form, answered=True))
    return found
