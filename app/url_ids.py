"""Ids in addresses (``/forms/<int:form_id>``) limited to what an id column holds."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

#: the largest value of a 32-bit INTEGER column (PostgreSQL's ``integer``)
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` that does not match numbers beyond MAX_ID, so they are a 404, not an
    overflow in the database driver."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register(app) -> None:
    """Make ``<int:...>`` in every route of *app* an :class:`IdConverter`."""
    app.url_map.converters["int"] = IdConverter
