"""Form definition documents: validation, normalisation and field iteration.

A definition is a JSON document::

    {"title": ..., "slug": ..., "description": ..., "settings": {...},
     "fields": [field, ..., {"type": "section", "label": ..., "fields": [field, ...]}]}

``normalise`` validates a document and returns it in its stored form (generated keys
filled in, choices as objects). ``Definition`` gives the loaded field specs to the rest
of the product.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from functools import cache

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from builder import conditions, event_settings, receipt_format
from builder.fields import Registry, registry
from builder.fields.base import BaseSettings
from builder.i18n import N_, Msg
from builder.mail_templates import MailSettingsSchema
from builder.system_names import RESERVED_KEYS

# \Z, not $: "$" also matches before a final newline ("abc\n")
KEY_PATTERN = re.compile(r"\A[a-z][a-z0-9_]{0,39}\Z")
SLUG_PATTERN = re.compile(r"\A[a-z0-9][a-z0-9-]{1,62}\Z")
SECTION = "section"
DEFAULT_RECEIPT_FORMAT = "{yyyy}{mm}{dd}-{seq:06d}"
MAX_FIELDS = 300
PUBLIC_AUDIENCE = "public"
STAFF_AUDIENCE = "staff"
AUDIENCES = (PUBLIC_AUDIENCE, STAFF_AUDIENCE)


class DefinitionError(ValueError):
    """A definition document with problems; ``errors`` mirrors the document's shape."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def _valid_receipt_format(value: str) -> None:
    try:
        receipt_format.parse(value)
    except receipt_format.ReceiptFormatError as exc:
        raise ValidationError(exc.args[0]) from None


class FormSettingsSchema(event_settings.EventSettingsMixin, Schema):
    class Meta:
        unknown = RAISE

    thank_you = fields.String(load_default="")
    receipt_format = fields.String(
        load_default=DEFAULT_RECEIPT_FORMAT,
        validate=_valid_receipt_format,
    )
    confirm_page = fields.Boolean(load_default=True)
    #: who the form is for: citizens ("public") or logged-in staff ("staff")
    audience = fields.String(
        validate=validate.OneOf(
            AUDIENCES, error=N_("Choose who the form is for: public or staff.")
        ),
    )
    #: a staff form: the departments (names) whose members, sub-departments included, may
    #: answer; empty: every staff member
    respondents = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        validate=validate.Length(max=200),
    )
    #: a staff form: each person answers once and may change the answer until it closes
    one_answer_per_person = fields.Boolean()
    #: a staff form: answers keep no link to the person who gave them
    anonymous = fields.Boolean()
    #: the auto-reply, staff notification and other messages (builder.mail_templates)
    mail = fields.Nested(MailSettingsSchema)


#: what the staff-form settings are when a document does not set them (documents written
#: before they existed stay as they are)
STAFF_FORM_DEFAULTS = {
    "audience": PUBLIC_AUDIENCE,
    "respondents": [],
    "one_answer_per_person": False,
    "anonymous": False,
}


class DocumentSchema(Schema):
    class Meta:
        unknown = RAISE

    title = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=200, error=N_("Enter a title of at most 200 characters.")
        ),
    )
    slug = fields.String(
        validate=validate.Regexp(
            SLUG_PATTERN,
            error=N_("Use 2 to 63 lower-case letters, digits and hyphens."),
        )
    )
    description = fields.String(load_default="")
    settings = fields.Nested(FormSettingsSchema, load_default=lambda: FormSettingsSchema().load({}))
    fields = fields.List(fields.Raw(), required=True)


class SectionSchema(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String()
    type = fields.String(required=True)
    label = fields.String(load_default="")
    help = fields.String(load_default="")
    #: the section is a page of its own (a multi-page form)
    page = fields.Boolean()
    #: display condition of the whole section (see builder.conditions)
    show_if = fields.Raw(allow_none=True)
    fields = fields.List(fields.Raw(), required=True)


@cache
def _field_schema(field_type: type) -> Schema:
    """BaseSettings merged with the type's own settings schema, refusing unknown settings."""
    combined = type(
        f"{field_type.__name__}Schema",
        (BaseSettings, field_type.settings_schema),
        {"Meta": type("Meta", (), {"unknown": RAISE})},
    )
    return combined()


@dataclass
class Definition:
    """A normalised definition with its field specs loaded (dates, numbers as Python values)."""

    document: dict
    items: list[dict] = field(default_factory=list)

    def fields(self) -> list[dict]:
        """Every field spec in order, sections flattened."""
        out = []
        for item in self.items:
            if item["type"] == SECTION:
                out.extend(item["fields"])
            else:
                out.append(item)
        return out

    @property
    def title(self) -> str:
        return self.document["title"]

    @property
    def settings(self) -> dict:
        return self.document.get("settings") or FormSettingsSchema().load({})


def new_key(taken: set[str]) -> str:
    """A fresh, never re-derived field key."""
    while True:
        key = "f_" + secrets.token_hex(3)
        if key not in taken:
            return key


class _Loader:
    def __init__(self, types: Registry, lenient: bool = False, kept_keys=frozenset()):
        self.types = types
        self.lenient = lenient
        self.kept_keys = kept_keys
        self.errors: dict = {}
        self.keys: set[str] = set()

    def _key(self, raw: dict, problems: dict) -> str | None:
        key = raw.get("key")
        if key is None:
            return None
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            problems["key"] = [N_("Use lower-case letters, digits and _ (starting with a letter).")]
        elif key in RESERVED_KEYS and not self.lenient and key not in self.kept_keys:
            problems["key"] = [
                Msg("“%(key)s” is a name the system uses; choose another key.", key=key)
            ]
        elif key in self.keys:
            problems["key"] = [Msg("Another item already uses the key “%(key)s”.", key=key)]
        else:
            self.keys.add(key)
        return key

    def load_items(self, raw_items: list, errors: dict, nested: bool) -> tuple[list, list]:
        documents, specs = [], []
        for index, raw in enumerate(raw_items):
            problems: dict = {}
            if not isinstance(raw, dict):
                errors[index] = {"_schema": [N_("Each item must be an object.")]}
                continue
            kind = raw.get("type")
            if kind == SECTION and not nested:
                doc, spec = self.load_section(raw, problems)
            elif kind == SECTION:
                problems["type"] = [N_("Sections cannot be placed inside sections.")]
                doc = spec = None
            elif self.lenient and isinstance(kind, str) and kind not in self.types:
                doc = spec = dict(raw)  # a type that left the registry: shown as unavailable
                self._key(raw, problems)
            elif not isinstance(kind, str) or kind not in self.types:
                problems["type"] = [Msg("Unknown field type “%(type)s”.", type=kind)]
                doc = spec = None
            else:
                doc, spec = self.load_field(raw, problems)
            if problems:
                errors[index] = problems
            elif doc is not None:
                documents.append(doc)
                specs.append(spec)
        return documents, specs

    def load_field(self, raw: dict, problems: dict):
        field_type = self.types.get(raw["type"])
        schema = _field_schema(field_type)
        self._key(raw, problems)
        try:
            spec = schema.load(raw)
        except ValidationError as exc:
            problems.update(exc.messages)
            return None, None
        # a stored version keeps settings that later rules refuse; its field still works
        settings_problems = {} if self.lenient else field_type.check_settings(spec)
        for name, message in settings_problems.items():
            problems.setdefault(name, []).append(message)
        if problems:
            return None, None
        return schema.dump(spec), spec

    def load_section(self, raw: dict, problems: dict):
        self._key(raw, problems)
        try:
            section = SectionSchema().load(raw)
        except ValidationError as exc:
            problems.update(exc.messages)
            return None, None
        child_errors: dict = {}
        docs, specs = self.load_items(section["fields"], child_errors, nested=True)
        if child_errors:
            problems["fields"] = child_errors
            return None, None
        return {**section, "fields": docs}, {**section, "fields": specs}

    def fill_keys(self, documents: list, specs: list) -> None:
        for doc, spec in zip(documents, specs, strict=True):
            if not doc.get("key"):
                doc["key"] = spec["key"] = new_key(self.keys)
                self.keys.add(doc["key"])
            if doc["type"] == SECTION:
                self.fill_keys(doc["fields"], spec["fields"])


def load(
    document,
    types: Registry = registry,
    lenient: bool = False,
    kept_keys: frozenset[str] | set[str] = frozenset(),
) -> Definition:
    """Validate *document*; return it normalised, or raise DefinitionError.

    *lenient* loads a stored version whatever rules came after it was published: fields
    of types no longer registered are kept, settings that are now refused are kept, and a
    receipt number format that is now refused gives way to the default. *kept_keys* are
    keys the form already had, accepted even when the name is now reserved.
    """
    if not isinstance(document, dict):
        raise DefinitionError({"_schema": [N_("The definition must be a JSON object.")]})
    if lenient:
        document = _with_usable_receipt_format(document)
    try:
        head = DocumentSchema().load(document)
    except ValidationError as exc:
        errors = {k: v for k, v in exc.messages.items() if k != "fields"}
        head = None
        if "fields" in exc.messages:
            errors["fields"] = exc.messages["fields"]
    else:
        errors = {}
    raw_fields = document.get("fields")
    if not isinstance(raw_fields, list):
        errors.setdefault("fields", [N_("Add at least one field.")])
        raise DefinitionError(errors)
    loader = _Loader(types, lenient, kept_keys)
    field_errors: dict = {}
    docs, specs = loader.load_items(raw_fields, field_errors, nested=False)
    if field_errors:
        errors["fields"] = field_errors
    if not errors and sum(1 for _ in _leaves(docs)) > MAX_FIELDS:
        errors["fields"] = [Msg("A form can have at most %(n)d items.", n=MAX_FIELDS)]
    if not errors and not lenient:
        rule_errors = _rule_problems(docs, specs, types)
        if rule_errors:
            errors["fields"] = rule_errors
        errors.update(_event_problems(head["settings"], specs, types))
    if errors:
        raise DefinitionError(errors)
    loader.fill_keys(docs, specs)
    normalised = DocumentSchema().dump(head)
    normalised["fields"] = docs
    return Definition(document=normalised, items=specs)


def _rule_problems(docs: list, specs: list, types: Registry) -> dict:
    """show_if problems, shaped like the document: each rule may only use earlier questions."""
    earlier: dict = {}
    errors: dict = {}

    def visit(doc: dict, spec: dict, where: dict, index: int) -> None:
        if spec.get("show_if") is None:
            doc.pop("show_if", None)
            spec.pop("show_if", None)
        else:
            problems = conditions.check(spec["show_if"], earlier)
            if problems:
                where.setdefault(index, {})["show_if"] = problems

    for index, (doc, spec) in enumerate(zip(docs, specs, strict=True)):
        visit(doc, spec, errors, index)
        if spec["type"] == SECTION:
            children: dict = {}
            pairs = zip(doc["fields"], spec["fields"], strict=True)
            for child_index, (child_doc, child_spec) in enumerate(pairs):
                visit(child_doc, child_spec, children, child_index)
                if child_spec.get("key"):
                    earlier[child_spec["key"]] = types.bind(child_spec)
            if children:
                errors.setdefault(index, {})["fields"] = children
        elif spec.get("key"):
            earlier[spec["key"]] = types.bind(spec)
    return errors


def _event_problems(settings: dict, specs: list, types: Registry) -> dict:
    found = {
        spec["key"]: (types.get(spec["type"]), spec)
        for spec in _leaves(specs)
        if spec.get("key") and spec.get("type") in types
    }
    problems = event_settings.check(settings, found)
    return {"settings": problems} if problems else {}


def _with_usable_receipt_format(document: dict) -> dict:
    settings = document.get("settings")
    if not isinstance(settings, dict) or "receipt_format" not in settings:
        return document
    try:
        receipt_format.parse(str(settings["receipt_format"]))
    except receipt_format.ReceiptFormatError:
        return {**document, "settings": {**settings, "receipt_format": DEFAULT_RECEIPT_FORMAT}}
    return document


def keys_of(document: dict | None) -> set[str]:
    """Every item key of a stored definition (sections included, no validation)."""
    keys = set()
    for item in (document or {}).get("fields") or []:
        if isinstance(item, dict):
            keys.add(item.get("key"))
            if item.get("type") == SECTION:
                keys.update(
                    child.get("key")
                    for child in item.get("fields") or []
                    if isinstance(child, dict)
                )
    keys.discard(None)
    return keys


def _leaves(items):
    for item in items:
        if item["type"] == SECTION:
            yield from item["fields"]
        else:
            yield item


def leaf_documents(document: dict) -> list[dict]:
    """The field documents of a stored definition, sections flattened (no validation)."""
    return list(_leaves(document.get("fields", [])))


def load_field_document(document: dict, types: Registry = registry) -> dict:
    """Load one stored field document into a spec; a broken or unknown one passes as is."""
    field_type = types.get(document.get("type"))
    if field_type is None:
        return dict(document)
    try:
        return _field_schema(field_type).load(document)
    except ValidationError:
        return dict(document)
