"""A published version made ready to serve once, then reused by every request.

Binding the field types, building the WTForms class, the layout and the display rules
cost more than the rest of a public request. None of it changes while a version stays
published, except through three inputs: the language of the request (labels and
messages are translated when the fields are bound), the office's date (limits relative
to "today") and the seats left of limited choices. The first two are part of the cache
key; a version whose choices count seats is prepared afresh for every request, because
its fields carry the seats of that moment.

The cache is bounded (least recently used versions go first) and shared by the threads
of a worker: a prepared version is never changed after it is made, except for its
rendered first page, which is written once and is the same whichever request writes it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from app.events.rules import Rules
from app.forms.published import bound_fields, office_today
from builder.definition import Definition
from builder.fields.base import FieldType
from renderer.form_class import Layout, build_form_class, layout
from renderer.form_page import condition_context

#: prepared versions kept per worker process
CACHE_SIZE = 256
#: whole pages kept per prepared version (the office, contact or seats left may change)
PAGES_PER_VERSION = 8


@dataclass
class PreparedVersion:
    """What every request for one published version in one language on one day shares."""

    definition: Definition
    fields: list[FieldType]
    form_class: type | None
    layout: list[Layout]
    conditions: dict
    #: whether the fields carry seats of this moment (then this object is not shared)
    shared: bool
    #: the rendered items of the first page of an empty form (set by the first request)
    fresh_items: Markup | None = field(default=None)
    #: whole empty pages with token markers (renderer.page_cache), by what they show
    pages: OrderedDict = field(default_factory=OrderedDict)


    def keep_fresh_items(self, html: Markup) -> Markup:
        """Remember the rendered items of the empty first page; return them."""
        self.fresh_items = html
        return html


    def page(self, key: tuple) -> str | None:
        """The kept page for *key*, if any."""
        with _lock:
            found = self.pages.get(key)
            if found is not None:
                self.pages.move_to_end(key)
            return found

    def keep_page(self, key: tuple, html: str) -> None:
        with _lock:
            self.pages[key] = html
            while len(self.pages) > PAGES_PER_VERSION:
                self.pages.popitem(last=False)


_cache: OrderedDict[tuple, PreparedVersion] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def cache_size() -> int:
    return len(_cache)


def prepare(definition: Definition, reuse: bool = True) -> PreparedVersion:
    """The prepared *definition* for this request's language and the office's today.

    *reuse* is for published versions; a draft being previewed is prepared each time."""
    if not reuse:
        return _build(definition, shared=False)
    key = (id(definition), str(get_locale()), office_today())
    with _lock:
        found = _cache.get(key)
        # an id is only reused once its object is gone, so the entry must be for this one
        if found is not None and found.definition is definition:
            _cache.move_to_end(key)
            return found
    # only versions whose fields carry no seats are kept, so a kept one needs no check
    if Rules.of(definition).choice_limits:
        return _build(definition, shared=False)
    made = _build(definition, shared=True)
    with _lock:
        _cache[key] = made
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return made


def _build(definition: Definition, shared: bool) -> PreparedVersion:
    fields = bound_fields(definition, _)
    return PreparedVersion(
        definition=definition,
        fields=fields,
        # fields that carry seats get their class once the seats are set
        form_class=build_form_class(fields) if shared else None,
        layout=layout(definition, fields),
        conditions=condition_context(definition, fields),
        shared=shared,
    )
