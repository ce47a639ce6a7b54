"""How a form's record table must change when a definition is published.

The catalogue of a form's columns is a list of dicts::

    {"key": "name", "column": "f_name", "kind": "text", "type": "text",
     "label": "氏名", "retired": False, "spec": {...the field's stored definition...}}

``plan`` takes the current catalogue and the new definition's bound field types and
returns the new catalogue plus a human-readable list of changes. It never drops a
column: a removed field retires its column, an incompatible type change retires the
old column and adds a new one, and a field that comes back reuses its retired column.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from builder.definition import STAFF_FORM_DEFAULTS, FormSettingsSchema
from builder.fields.base import FieldType
from builder.i18n import N_
from builder.system_names import FIELD_COLUMN_PREFIX

COLUMN_PREFIX = FIELD_COLUMN_PREFIX

ACTION_LABELS = {
    "added": N_("Added"),
    "retired": N_("Removed (answers kept)"),
    "retyped": N_("Type changed (old answers kept)"),
    "relabelled": N_("Label changed"),
    "changed": N_("Settings changed"),
    "restored": N_("Restored"),
    "setting": N_("Form setting changed"),
}

#: form settings that reach the public form by publishing: (path in the document, label)
PUBLISHED_SETTINGS = (
    (("title",), N_("Title")),
    (("description",), N_("Description shown above the form")),
    (("settings", "thank_you"), N_("Message on the thank-you page")),
    (("settings", "receipt_format"), N_("Receipt number format")),
    (("settings", "confirm_page"), N_("Show a confirmation page before sending")),
    (("settings", "audience"), N_("Who answers this form")),
    (("settings", "respondents"), N_("Departments that answer")),
    (
        ("settings", "one_answer_per_person"),
        N_("One answer per person (changeable until it closes)"),
    ),
    (("settings", "anonymous"), N_("Anonymous (answers are stored without names)")),
    (("settings", "capacity", "limit"), N_("Capacity of the whole form (empty: no limit)")),
    (("settings", "capacity", "count_field"), N_("Seats each application takes")),
    (("settings", "capacity", "waitlist"), N_("When full, accept applications on a waiting list")),
    (("settings", "show_remaining"), N_("Show the seats left (「残り3席」)")),
    (("settings", "one_per"), N_("One application per")),
    (
        ("settings", "cancel_link"),
        N_("Give applicants a private link to check, change or cancel their application"),
    ),
    (("settings", "cancel_until"), N_("Changes and cancellations until (the event date)")),
    (("settings", "changeable_fields"), N_("Answers the applicant may change through the link")),
)
#: settings short enough to show as "old → new"
_SHOWN_VALUES = {
    "title",
    "settings.receipt_format",
    "settings.audience",
    "settings.capacity.limit",
    "settings.cancel_until",
}
#: values that all mean "not set"
_UNSET = ("", None, False, [])


@dataclass
class Change:
    action: str  # added | retired | retyped | relabelled | changed | restored | setting
    #: the field key, or for a form setting its dotted path ("settings.thank_you")
    key: str
    label: str
    detail: str = ""


def subject(change: dict | Change, gettext) -> str:
    """What a change is about, for people: a field's label or a form setting's name."""
    data = change if isinstance(change, dict) else vars(change)
    return gettext(data["label"]) if data["action"] == "setting" else data["label"]


def _setting(document: dict, path: tuple[str, ...]):
    found = document
    for part in path:
        found = found.get(part) if isinstance(found, dict) else None
    if found is None and path[0] == "settings":
        # a version stored before the setting existed has its default
        found = {**FormSettingsSchema().load({}), **STAFF_FORM_DEFAULTS}.get(path[-1])
    return "" if found is None else found


def settings_changes(old: dict, new: dict) -> list[Change]:
    """The form settings that differ between the published *old* and the draft *new*.

    The label of such a change is the setting's untranslated name (see ``subject``).
    """
    changes = []
    for path, label in PUBLISHED_SETTINGS:
        before, after = _setting(old, path), _setting(new, path)
        if before != after and not (before in _UNSET and after in _UNSET):
            key = ".".join(path)
            detail = f"{before} → {after}" if key in _SHOWN_VALUES else ""
            changes.append(Change("setting", key, label, detail))
    return changes


@dataclass
class Plan:
    columns: list[dict]
    changes: list[Change] = field(default_factory=list)

    @property
    def new_columns(self) -> list[dict]:
        return [c for c in self.columns if c.get("_new")]

    def catalogue(self) -> list[dict]:
        """The columns as stored (without planning marks)."""
        return [{k: v for k, v in c.items() if not k.startswith("_")} for c in self.columns]


def _column_name(key: str, taken: set[str]) -> str:
    name, n = COLUMN_PREFIX + key, 2
    while name in taken:
        name = f"{COLUMN_PREFIX}{key}_{n}"
        n += 1
    return name


def _remember_choices(column: dict, new_spec: dict) -> None:
    """Keep the labels of choices that leave the field, for the answers that used them."""
    old = (column.get("spec") or {}).get("choices") or []
    now = {c["value"] for c in new_spec.get("choices") or []}
    past = [c for c in column.get("past_choices", []) if c["value"] not in now]
    known = {c["value"] for c in past}
    past += [c for c in old if c["value"] not in now and c["value"] not in known]
    if past:
        column["past_choices"] = past
    else:
        column.pop("past_choices", None)


def plan(
    columns: list[dict],
    fields: list[FieldType],
    documents: dict[str, dict],
    old_documents: dict[str, dict] | None = None,
) -> Plan:
    """Plan the catalogue for *fields* given the current *columns* (see module docstring).

    *documents* maps each field key to its stored (JSON) spec, kept with its column so
    that retired columns can still be shown and exported with their choice labels.
    """
    result = copy.deepcopy(columns)
    old_documents = old_documents or {}
    taken = {c["column"] for c in result}
    active = {c["key"]: c for c in result if not c["retired"]}
    changes: list[Change] = []
    seen: set[str] = set()

    def add(ft: FieldType, action: str, detail: str = "") -> None:
        for candidate in result:
            if (
                candidate["key"] == ft.key
                and candidate["retired"]
                and candidate["kind"] == ft.storage_kind
            ):
                candidate.update(
                    retired=False, type=ft.name, label=ft.title, spec=documents[ft.key]
                )
                changes.append(
                    Change("restored" if action == "added" else action, ft.key, ft.title, detail)
                )
                return
        name = _column_name(ft.key, taken)
        taken.add(name)
        result.append(
            {
                "key": ft.key,
                "column": name,
                "kind": ft.storage_kind,
                "type": ft.name,
                "label": ft.title,
                "retired": False,
                "spec": documents[ft.key],
                "_new": True,
            }
        )
        changes.append(Change(action, ft.key, ft.title, detail))

    for ft in fields:
        seen.add(ft.key)
        current = active.get(ft.key)
        if ft.name == "unavailable":
            continue  # keep whatever storage it had; the type may come back
        if current is None:
            add(ft, "added")
        elif current["kind"] != ft.storage_kind:
            current["retired"] = True
            add(ft, "retyped", f"{current['type']} → {ft.name}")
        else:
            if current["label"] != ft.title:
                changes.append(Change("relabelled", ft.key, ft.title, current["label"]))
            elif old_documents.get(ft.key, documents[ft.key]) != documents[ft.key]:
                changes.append(Change("changed", ft.key, ft.title))
            _remember_choices(current, documents[ft.key])
            current.update(type=ft.name, label=ft.title, spec=documents[ft.key])

    for key, column in active.items():
        if key not in seen:
            column["retired"] = True
            changes.append(Change("retired", key, column["label"]))
    return Plan(columns=result, changes=changes)
