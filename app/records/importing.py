"""Importing records from a CSV or .xlsx file: read, map columns, check (dry run), commit.

Each row either adds a record or, when it carries a receipt number, updates that record.
Every value goes through the field's own input conversion and the public form's checks
(its WTForms field and validators), so an import stores nothing the form would refuse.
The commit is all-or-nothing: one write transaction, checked again inside it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from wtforms import Form as WTForm

from app import audit, rights
from app.forms.published import bound_fields, published_definition
from app.models import Form, User
from app.records import history
from app.records.access import RecordAccess
from app.records.export import FORMULA_STARTS
from app.records.receipts import numberer
from app.records.store import add_many, update
from app.records.tables import IMPORT
from app.transactions import write_transaction
from builder.fields.base import FieldType
from renderer.form_class import field_name

#: what a heading may be mapped to besides a field key
IGNORE = "-"
RECEIPT = "receipt_no"
#: how many distinct inputs per column keep their checked result (repeated choices)
_CACHE_LIMIT = 20_000


class UnreadableFile(ValueError):
    """The upload is not a CSV or .xlsx file this importer can read."""


@dataclass
class Upload:
    """A file's header and data rows, every cell as text."""

    name: str
    headings: list[str]
    rows: list[list[str]]


@dataclass
class Problem:
    row: int  # the line in the file: the header is row 1
    column: str
    message: str


@dataclass
class Plan:
    """What a commit would do, and the problems that stop it."""

    adds: list[dict] = field(default_factory=list)
    #: (record id, receipt number, {column: new value}, {column: [old, new]})
    updates: list[tuple[int, str, dict, dict]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: the file row of each add (for messages)
    add_rows: list[int] = field(default_factory=list)

    @property
    def changing(self) -> int:
        """How many of the updates change something."""
        return sum(1 for update in self.updates if update[3])


# ------------------------------------------------------------------------------ reading


def read_upload(data: bytes, name: str) -> Upload:
    """Read a CSV (UTF-8 with or without BOM, or Shift_JIS/cp932) or an .xlsx file."""
    if zipfile.is_zipfile(io.BytesIO(data)):
        rows = _xlsx_rows(data)
    else:
        try:
            rows = list(csv.reader(io.StringIO(_decode(data), newline="")))
        except csv.Error as exc:
            raise UnreadableFile(
                _("The file could not be read as CSV (%(reason)s).", reason=str(exc))
            ) from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise UnreadableFile(_("The file has no rows."))
    headings = [cell.strip() for cell in rows[0]]
    width = len(headings)
    body = [(row + [""] * width)[:width] if len(row) != width else row for row in rows[1:]]
    return Upload(name=name, headings=headings, rows=body)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise UnreadableFile(
            _("The file is neither UTF-8 nor Shift_JIS text. Save it as CSV (UTF-8) and retry.")
        ) from None


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only needed for .xlsx uploads

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [
                [_sheet_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)
            ]
        finally:
            workbook.close()
    except Exception as exc:  # noqa: BLE001 - any damage in the file means the same
        raise UnreadableFile(_("The file could not be read as an Excel workbook.")) from exc


def _sheet_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(" ", "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


# ------------------------------------------------------------------------------ mapping


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


@dataclass
class Target:
    """A field a column can be mapped to."""

    key: str
    column: str
    label: str
    field_type: FieldType


def importable(access: RecordAccess, user: User) -> list[Target]:
    """The fields the user may fill by import: current fields of the published form that
    they may set on a new record or change (never a field hidden from them)."""
    definition = published_definition(access.form)
    fields = access.fields
    columns = {e["key"]: e["column"] for e in access.entries if not e["retired"]}
    targets = []
    for field_type in bound_fields(definition, _):
        key = field_type.key
        if key not in columns or field_type.form_field() is None:
            continue
        if _may_set(fields, key) or _may_change(fields, key):
            targets.append(Target(key, columns[key], field_type.title, field_type))
    return targets


def system_headings() -> dict[str, str]:
    """Headings of the export's system columns -> what they map to."""
    receipt = {_plain(_("Receipt number")), _plain("Receipt number"), _plain("受付番号")}
    ignored = {
        _plain(text)
        for text in (_("Received at"), _("Status"), _("Respondent"))
        + ("Received at", "Status", "Respondent", "受付日時", "状態", "回答者")
    }
    return {**{h: IGNORE for h in ignored}, **{h: RECEIPT for h in receipt}}


def auto_mapping(targets: list[Target], upload: Upload) -> list[str]:
    """For each heading: the field key it names (by label, key or column name), RECEIPT,
    IGNORE for the export's other system columns, or "" when nothing matches."""
    by_name: dict[str, str] = {}
    for target in targets:
        for name in (target.key, target.column, target.label):
            by_name.setdefault(_plain(name), target.key)
    system = system_headings()
    mapping, used = [], set()
    for heading in upload.headings:
        plain = _plain(heading)
        found = system.get(plain) or by_name.get(plain, "")
        if found and found != IGNORE and found in used:
            found = ""  # the second column with the same heading is not mapped twice
        used.add(found)
        mapping.append(found)
    return mapping


# ------------------------------------------------------------------------------ checking


class _Checker:
    """One field's public-form conversion and checks, with results kept per input."""

    def __init__(self, target: Target, form):
        self.target = target
        self.bound = form._fields[field_name(target.key)]
        self.form = form
        self.cache: dict[str, tuple] = {}

    def check(self, text: str) -> tuple[object, list[str]]:
        """(stored value, problems) for the text of one cell."""
        hit = self.cache.get(text)
        if hit is not None:
            return hit
        field_type = self.target.field_type
        try:
            inputs = field_type.import_input(text)
        except ValueError as exc:
            result = (None, [str(exc)])
        else:
            bound = self.bound
            name = bound.name
            bound.process(MultiDict([(name, value) for value in inputs]), data=None)
            if bound.validate(self.form):
                result = (field_type.value_from_form(bound.data), [])
            else:
                result = (None, list(dict.fromkeys(str(e) for e in bound.errors)))
        if len(self.cache) < _CACHE_LIMIT:
            self.cache[text] = result
        return result


def _unformula(text: str) -> str:
    """Undo the export's formula safety: ``'=1+2`` back to ``=1+2``; trim white space."""
    text = text.strip()
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def check(
    access: RecordAccess, user: User, upload: Upload, mapping: list[str], limit: int = 0
) -> Plan:
    """The dry run: every row's problems (type, required, choice, unknown column,
    duplicate receipt number or row), and what would be written when there are none."""
    plan = Plan()
    targets = {t.key: t for t in importable(access, user)}
    headings = upload.headings
    problems = plan.problems
    fields = access.fields
    _mapping_problems(headings, mapping, targets, problems)
    mapped = [(i, targets[m]) for i, m in enumerate(mapping) if m in targets]
    receipt_at = mapping.index(RECEIPT) if RECEIPT in mapping else None
    mapped_keys = {t.key for _i, t in mapped}
    # a new record must satisfy the form also in the items the file leaves out
    absent = [t for key, t in targets.items() if key not in mapped_keys]
    form_class = type(
        "ImportForm",
        (WTForm,),
        {field_name(t.key): t.field_type.form_field() for t in targets.values()},
    )
    form = form_class()
    checkers = [(i, t, _Checker(t, form)) for i, t in mapped]
    absent_checkers = [(t, _Checker(t, form)) for t in absent]
    receipts = (
        [_unformula(row[receipt_at]) for row in upload.rows if _unformula(row[receipt_at])]
        if receipt_at is not None
        else []
    )
    existing = access.by_receipts(receipts) if receipts else {}
    seen_rows: dict[tuple, int] = {}
    seen_receipts: dict[str, int] = {}
    # what the user may not write: the same answer for every row
    unsettable = [(place, t) for place, t, _c in checkers if not _may_set(fields, t.key)]
    unchangeable = {t.column for _p, t, _c in checkers if not _may_change(fields, t.key)}
    for offset, row in enumerate(upload.rows):
        number = offset + 2
        receipt = _unformula(row[receipt_at]) if receipt_at is not None else ""
        values, row_problems = {}, []
        texts = tuple([_unformula(row[place]) for place, _t, _c in checkers])
        for text, (place, target, checker) in zip(texts, checkers, strict=True):
            value, messages = checker.check(text)
            if messages and (not receipt or text):
                # an update leaves out what its cell leaves empty: only what it gives counts
                row_problems += [Problem(number, headings[place], m) for m in messages]
            elif not (receipt and not text):
                values[target.column] = value
        signature = texts + (receipt,)
        if signature in seen_rows:
            row_problems.append(
                Problem(number, "", _("The same as row %(n)d.", n=seen_rows[signature]))
            )
        else:
            seen_rows[signature] = number
        if receipt:
            record = existing.get(receipt)
            if receipt in seen_receipts:
                row_problems.append(
                    Problem(
                        number,
                        headings[receipt_at],
                        _(
                            "Receipt number %(no)s is also in row %(n)d.",
                            no=receipt,
                            n=seen_receipts[receipt],
                        ),
                    )
                )
            elif record is None:
                row_problems.append(
                    Problem(
                        number,
                        headings[receipt_at],
                        _("There is no record with receipt number %(no)s.", no=receipt),
                    )
                )
            seen_receipts.setdefault(receipt, number)
            for place, target, _c in checkers:
                if target.column in values and target.column in unchangeable:
                    row_problems.append(
                        Problem(number, headings[place], _("You may not change this item."))
                    )
            if record is not None and not row_problems:
                changed = {
                    column: [_jsonable(record.values.get(column)), _jsonable(value)]
                    for column, value in values.items()
                    if record.values.get(column) != value
                }
                plan.updates.append((record.id, receipt, values, changed))
        else:
            for place, _target in unsettable:
                row_problems.append(
                    Problem(number, headings[place], _("You may not set this item."))
                )
            for target, checker in absent_checkers:
                value, messages = checker.check("")
                row_problems += [Problem(number, target.label, m) for m in messages]
                values[target.column] = value
        if not receipt and not row_problems:
            plan.adds.append(values)
            plan.add_rows.append(number)
        problems += row_problems
        if limit and len(problems) >= limit:
            break
    return plan


def _may_set(fields: rights.FieldAccess, key: str) -> bool:
    return fields.can_set_on_add(key) or fields.level(key) == rights.EDIT


def _may_change(fields: rights.FieldAccess, key: str) -> bool:
    return fields.can_change(key) or fields.level(key) == rights.EDIT


def _mapping_problems(headings, mapping, targets, problems) -> None:
    for place, (heading, target) in enumerate(zip(headings, mapping, strict=True)):
        if target == "":
            problems.append(
                Problem(
                    1,
                    heading or _("Column %(n)d", n=place + 1),
                    _("No item has this heading: choose one, or leave the column out."),
                )
            )
        elif target not in targets and target not in (IGNORE, RECEIPT):
            problems.append(Problem(1, heading, _("This item cannot be imported.")))


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# ------------------------------------------------------------------------------ writing


@dataclass
class Outcome:
    added: int
    updated: int


def commit(access: RecordAccess, user: User, upload: Upload, mapping: list[str]) -> Plan | Outcome:
    """Check the file again inside one write transaction and write it all, or nothing:
    the Plan with its problems is returned (nothing written) when a row has a problem."""
    result = _commit(access, user, upload, mapping)
    if isinstance(result, Outcome):
        audit.record(
            audit.RECORD_IMPORT,
            form=access.form,
            detail={"file": upload.name, "added": result.added, "updated": result.updated},
        )
    return result


class _Rejected(Exception):
    def __init__(self, plan: Plan):
        super().__init__("import rejected")
        self.plan = plan


def _commit(access, user, upload, mapping) -> Plan | Outcome:
    try:
        return _write(access, user, upload, mapping)
    except _Rejected as rejected:
        return rejected.plan


@write_transaction
def _write(access: RecordAccess, user: User, upload: Upload, mapping: list[str]) -> Outcome:
    plan = check(access, user, upload, mapping)
    if plan.problems:
        raise _Rejected(plan)  # rolls the (empty) transaction back
    form: Form = access.form
    definition = published_definition(form)
    version = form.published_version.number
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    receipt_of = numberer(
        definition.settings.get("receipt_format"),
        form.id,
        now,
        current_app.config["BABEL_DEFAULT_TIMEZONE"],
    )
    columns = [t.column for t in importable(access, user)]
    rows = [{column: values.get(column) for column in columns} for values in plan.adds]
    ids = add_many(form, version, rows, user_id=user.id, source=IMPORT, receipt_of=receipt_of)
    entries = [
        {"record_id": record_id, "kind": history.IMPORTED, "note": upload.name} for record_id in ids
    ]
    for record_id, _receipt, values, changed in plan.updates:
        if not changed:
            continue
        update(form, record_id, version, values, user_id=user.id)
        entries.append(
            {
                "record_id": record_id,
                "kind": history.IMPORTED,
                "changes": changed,
                "note": upload.name,
            }
        )
    history.note_many(form, entries, user_id=user.id)
    return Outcome(added=len(ids), updated=plan.changing)


def progress_text(outcome: Outcome, gettext: Callable = _) -> str:
    """The message after a successful import."""
    return gettext(
        "Imported: %(added)d records added, %(updated)d updated.",
        added=outcome.added,
        updated=outcome.updated,
    )
