"""A form's messages as they would read, for the mail settings page: filled with the
latest record's answers when the person may read records (hidden items left empty),
else with the item names as examples."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app import rights
from app.mail import compose
from app.models import Form, User
from app.records.access import RecordAccess
from builder import mail_templates as templates
from builder.definition import Definition


@dataclass
class Preview:
    kind: str
    subject: str
    body: str


def sample_values(
    form: Form, definition: Definition, user: User
) -> tuple[dict[str, str], str | None]:
    """Placeholder values for a preview, and the receipt number of the record they came
    from (None: example values)."""
    latest = None
    if form.is_published and rights.can(user, rights.VIEW_RECORDS, form):
        access = RecordAccess(user, form)
        found = access.page([], sort="id", descending=True, limit=1)
        latest = found.records[0] if found.records else None
    if latest is not None:
        values = compose.values_of(form, definition, latest)
        receipt = latest.receipt_no
    else:
        values = {spec["key"]: None for spec in definition.fields()}
        receipt = "20260401-000123"
    shown = compose.placeholder_values(
        form,
        definition,
        values,
        receipt,
        status=latest.status if latest is not None else "new",
        cancel_url=_("https://(the applicant's private link)"),
        record_url=_("https://(the record's page for staff)"),
    )
    if latest is None:
        examples = {
            spec["key"]: f"〈{spec.get('label') or spec['key']}〉" for spec in definition.fields()
        }
        shown |= examples
        shown[templates.ANSWERS] = "\n".join(
            f"■ {spec.get('label') or spec['key']}: {examples[spec['key']]}"
            for spec in definition.fields()
        )
    return shown, (latest.receipt_no if latest is not None else None)


def render(kind: str, subject: str, body: str, values: dict[str, str]) -> Preview:
    """One message's preview (the staff notification alone shows ``{{record_url}}``)."""
    if kind != compose.STAFF_NOTICE:
        values = values | {templates.RECORD_URL: ""}
    return Preview(
        kind=kind,
        subject=templates.one_line(templates.render(subject, values)),
        body=templates.render(body, values),
    )
