"""The one way JSON sent to the app (API bodies, designer saves, uploaded definitions) is read.

Python's parser accepts documents that later break storage or recursion: nesting thousands
of levels deep, lone surrogates (``"\\udc80"``, which no database or encoder takes), NaN and
infinities. Everything that reads JSON from outside goes through :func:`loads`, which refuses
these with a message naming the problem.
"""

from __future__ import annotations

import json
import math

from flask import Flask, Request, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

#: the blueprints whose views read JSON bodies; every other page takes form posts only
JSON_BLUEPRINTS = frozenset({"api", "designer"})
#: deepest nesting of arrays and objects accepted (a form definition needs about ten)
MAX_DEPTH = 64


class JsonInputError(ValueError):
    """JSON that the app refuses; *message* is translated and says why."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise JsonInputError(_("The number %(number)s is too large.", number=text[:20]))
    return number


def _no_constant(name: str):
    raise JsonInputError(_("%(name)s is not a number JSON allows.", name=name))


def _lone_surrogate(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"\\u{ord(text[exc.start]):04x}"
    return None


def _check(document) -> None:
    """Refuse too deep nesting and lone surrogates, walking without recursion."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise JsonInputError(
                    _("The JSON is nested too deeply (more than %(n)d levels).", n=MAX_DEPTH)
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    pending.append((key, depth))
                pending.append((item, depth + 1))
        elif isinstance(value, str) and (bad := _lone_surrogate(value)):
            raise JsonInputError(
                _(
                    "The JSON contains %(code)s, half of a character pair that is not "
                    "text on its own.",
                    code=bad,
                )
            )


def loads(data: str | bytes):
    """Parse JSON *data*; raise :class:`JsonInputError` with a clear message if refused."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JsonInputError(_("The JSON is not UTF-8 text.")) from None
    try:
        document = json.loads(data, parse_float=_finite_float, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise JsonInputError(_("This is not valid JSON."), exc.lineno, exc.colno) from None
    except RecursionError:
        raise JsonInputError(
            _("The JSON is nested too deeply (more than %(n)d levels).", n=MAX_DEPTH)
        ) from None
    except JsonInputError:
        raise
    except ValueError:  # e.g. an integer of thousands of digits
        raise JsonInputError(_("The JSON contains a number that is too long.")) from None
    _check(document)
    return document


def request_json():
    """The request's JSON body, or None when the request does not declare JSON.

    Raises :class:`JsonInputError` when the body is JSON the app refuses.
    """
    if not request.is_json:
        return None
    return loads(request.get_data(cache=True))


class _Provider(DefaultJSONProvider):
    """Flask's JSON, reading through :func:`loads` (so ``request.get_json`` is guarded too)."""

    def loads(self, s, **kwargs):
        return loads(s)


class _Request(Request):
    def on_json_loading_failed(self, e):
        if isinstance(e, JsonInputError):
            raise BadRequest(description=e.message)
        return super().on_json_loading_failed(e)


def _refuse_json_to_pages():
    if (
        request.is_json
        and request.endpoint is not None  # an unknown address stays a 404
        and request.method not in ("GET", "HEAD", "OPTIONS")
        and request.blueprint not in JSON_BLUEPRINTS
    ):
        raise UnsupportedMediaType(description=_("This page takes a filled-in form, not JSON."))


def register(app: Flask) -> None:
    """Read every JSON body of *app* through :func:`loads`; pages refuse JSON bodies."""
    app.json = _Provider(app)
    app.request_class = _Request
    app.before_request(_refuse_json_to_pages)
