"""The published definition of a form, loaded once per version."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from zoneinfo import ZoneInfo

from flask import current_app

from app.models import Form, FormVersion
from builder import definition as definitions
from builder.definition import Definition
from builder.fields import registry
from builder.fields.base import FieldType

_CACHE_SIZE = 512
_loaded: OrderedDict[tuple, Definition] = OrderedDict()


def clear_cache() -> None:
    _loaded.clear()


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


def published_definition(form: Form) -> Definition | None:
    if form.published_version is None:
        return None
    return version_definition(form.published_version)


def office_today() -> dt.date:
    """Today's date in the office's time zone (ATSUME_TIMEZONE)."""
    return dt.datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def bound_fields(definition: Definition, gettext=None) -> list[FieldType]:
    """The field types of a definition, bound to their specs and to the office's today."""
    today = office_today()
    return [registry.bind(spec, gettext, today) for spec in definition.fields()]
