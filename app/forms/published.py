"""The published definition of a form, loaded once per version."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from app.models import Form, FormVersion
from builder import definition as definitions
from builder.definition import Definition
from builder.fields import registry
from builder.fields.base import FieldType

_CACHE_SIZE = 512
_PUBLISHED = "atsume_published_versions"
_loaded: OrderedDict[tuple, Definition] = OrderedDict()


def clear_cache() -> None:
    """Forget every loaded version (this process's, and the current app's)."""
    _loaded.clear()
    if has_app_context():
        current_app.extensions.pop(_PUBLISHED, None)


def version_definition(version: FormVersion) -> Definition:
    """The loaded definition of a published version (cached: versions never change)."""
    key = (version.id, version.form_id, version.number, version.published_at)
    if key in _loaded:
        _loaded.move_to_end(key)
        return _loaded[key]
    loaded = definitions.load(version.document, lenient=True)
    _loaded[key] = loaded
    if len(_loaded) > _CACHE_SIZE:
        _loaded.popitem(last=False)
    return loaded


@dataclass(frozen=True)
class Published:
    """A form's published version as the public pages use it."""

    number: int
    definition: Definition


def published(form: Form) -> Published | None:
    """The form's published version, read once per worker: a version never changes, so
    its id (unique in the app's database) names it, and the version row is not loaded
    again for each request."""
    version_id = form.published_version_id
    if version_id is None:
        return None
    kept = current_app.extensions.setdefault(_PUBLISHED, OrderedDict())
    found = kept.get((version_id, form.id))
    if found is None:
        version = form.published_version
        found = Published(version.number, version_definition(version))
        kept[version_id, form.id] = found
        while len(kept) > _CACHE_SIZE:
            kept.popitem(last=False)
    return found


def published_definition(form: Form) -> Definition | None:
    made = published(form)
    return made.definition if made is not None else None


def published_number(form: Form) -> int | None:
    """The number of the form's published version (None: never published)."""
    made = published(form)
    return made.number if made is not None else None


def office_today() -> dt.date:
    """Today's date in the office's time zone (ATSUME_TIMEZONE)."""
    return dt.datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def bound_fields(definition: Definition, gettext=None) -> list[FieldType]:
    """The field types of a definition, bound to their specs and to the office's today."""
    today = office_today()
    return [registry.bind(spec, gettext, today) for spec in definition.fields()]
