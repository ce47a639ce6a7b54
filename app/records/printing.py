"""A record laid out as its application form was: sections and questions in the form's
order, with the answers, for printing (A4) and filing on paper."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.extensions import db
from app.forms.published import published_definition, version_definition
from app.models import Form, FormVersion
from app.records.columns import column_heading
from app.records.store import Record
from builder.definition import SECTION, Definition
from builder.fields.base import FieldType


@dataclass
class Answer:
    question: str
    answer: str


@dataclass
class Part:
    """A section of the form (or the questions outside sections: no title)."""

    title: str = ""
    answers: list[Answer] = field(default_factory=list)


def submitted_definition(form: Form, record: Record) -> Definition | None:
    """The definition of the version the record was sent with (the published one if that
    version is missing)."""
    version = db.session.scalar(
        sa.select(FormVersion).where(
            FormVersion.form_id == form.id, FormVersion.number == record.form_version
        )
    )
    return version_definition(version) if version is not None else published_definition(form)


def layout(
    definition: Definition | None,
    record: Record,
    entries: list[dict],
    types: dict[str, FieldType],
    retired_label: str,
) -> list[Part]:
    """The parts of the printed record: the form's sections and questions in order, each
    with the record's answer; only the columns in *entries* (those the reader may see).
    Visible columns the form no longer asks (retired) come last."""
    by_key: dict[str, dict] = {}
    for entry in entries:  # a current column wins over a retired one of the same key
        if entry["key"] not in by_key or by_key[entry["key"]]["retired"]:
            by_key[entry["key"]] = entry
    shown: set[str] = set()

    def answer(spec: dict) -> Answer | None:
        entry = by_key.get(spec["key"])
        if entry is None:
            return None
        shown.add(entry["column"])
        value = record.values.get(entry["column"])
        return Answer(spec.get("label") or entry["label"], types[entry["column"]].display(value))

    parts: list[Part] = []
    loose = None
    for item in definition.items if definition is not None else []:
        if item["type"] == SECTION:
            loose = None
            answers = [a for a in map(answer, item["fields"]) if a is not None]
            if answers:
                parts.append(Part(item.get("label") or "", answers))
            continue
        found = answer(item)
        if found is None:
            continue
        if loose is None:
            loose = Part()
            parts.append(loose)
        loose.answers.append(found)
    rest = [
        Answer(
            column_heading(e, retired_label),
            types[e["column"]].display(record.values.get(e["column"])),
        )
        for e in entries
        if e["column"] not in shown
    ]
    if rest:
        parts.append(Part("", rest))
    return parts
