"""Deployment roles: one code base and one database, served as separate servers for a
separated network (e.g. citizens' forms on the internet side, staff pages on the LGWAN side).

- ``full`` (the default) serves everything;
- ``public`` serves citizens' forms, their submission and the assets those pages use:
  no log-in, staff pages, API or staff-only forms;
- ``internal`` serves the staff side (log-in, staff pages, designer, API) and staff-only
  forms, but not citizens' forms.
"""

from __future__ import annotations

from flask import current_app

from builder.definition import PUBLIC_AUDIENCE, STAFF_AUDIENCE

FULL = "full"
PUBLIC = "public"
INTERNAL = "internal"
ROLES = (FULL, PUBLIC, INTERNAL)

_AUDIENCES = {
    FULL: {PUBLIC_AUDIENCE, STAFF_AUDIENCE},
    PUBLIC: {PUBLIC_AUDIENCE},
    INTERNAL: {STAFF_AUDIENCE},
}


def check(role: str) -> str:
    """*role* if it is one of :data:`ROLES`; ValueError (stopping start-up) otherwise."""
    if role not in ROLES:
        raise ValueError(f"ATSUME_ROLE: {role!r} is not one of {', '.join(ROLES)}")
    return role


def serves_staff(role: str) -> bool:
    """Whether a server of *role* serves log-in, staff pages and the API."""
    return role != PUBLIC


def serves_audience(audience: str, role: str | None = None) -> bool:
    """Whether this server (or one of *role*) serves forms meant for *audience*."""
    return audience in _AUDIENCES[role or current_app.config["ATSUME_ROLE"]]
