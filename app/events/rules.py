"""A published definition's event rules: which seat pools an application takes, and how
many seats (pure: no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from app.records.statuses import CANCELLED, NEW, WAITLISTED
from builder.definition import Definition
from builder.event_settings import parse_local

#: the pool of the whole form's seats
FORM_POOL = "form"
#: statuses whose records hold no seats
SEATLESS = (WAITLISTED, CANCELLED)
#: the status a promoted application gets (the status of a new application)
ACCEPTED = NEW
__all__ = ["ACCEPTED", "CANCELLED", "FORM_POOL", "SEATLESS", "WAITLISTED", "Rules", "choice_pool"]


def choice_pool(key: str, value: str) -> str:
    """The pool of one choice's seats."""
    return f"{key}={value}"


@dataclass(frozen=True)
class Rules:
    """What a definition says about seats, duplicates and the applicant's link."""

    limit: int | None = None
    count_field: str | None = None
    waitlist: bool = False
    #: field key -> {choice value: seats} for choices with their own capacity
    choice_limits: dict[str, dict[str, int]] = field(default_factory=dict)
    one_per: str | None = None
    show_remaining: bool = False
    cancel_link: bool = False
    cancel_until: str | None = None
    changeable_fields: tuple[str, ...] = ()

    @classmethod
    def of(cls, definition: Definition | None) -> Rules:
        if definition is None:
            return cls()
        settings = definition.settings
        capacity = settings.get("capacity") or {}
        choice_limits = {}
        for spec in definition.fields():
            limited = {
                c["value"]: c["capacity"]
                for c in spec.get("choices") or []
                if isinstance(c, dict) and c.get("capacity")
            }
            if limited:
                choice_limits[spec["key"]] = limited
        return cls(
            limit=capacity.get("limit"),
            count_field=capacity.get("count_field"),
            waitlist=bool(capacity.get("waitlist")),
            choice_limits=choice_limits,
            one_per=settings.get("one_per"),
            show_remaining=bool(settings.get("show_remaining")),
            cancel_link=bool(settings.get("cancel_link")),
            cancel_until=settings.get("cancel_until"),
            changeable_fields=tuple(settings.get("changeable_fields") or ()),
        )

    @property
    def limited(self) -> bool:
        """Whether any seats are counted."""
        return self.limit is not None or bool(self.choice_limits)

    def pools(self) -> dict[str, int | None]:
        """Every pool this definition limits, with its seats."""
        pools: dict[str, int | None] = {}
        if self.limit is not None:
            pools[FORM_POOL] = self.limit
        for key, limited in self.choice_limits.items():
            for value, seats in limited.items():
                pools[choice_pool(key, value)] = seats
        return pools

    def seats(self, values: dict) -> int:
        """The seats one application with *values* (field key -> value) takes."""
        if not self.count_field:
            return 1
        count = values.get(self.count_field)
        return 1 if count is None else int(count)

    def needs(self, values: dict) -> dict[str, int]:
        """pool -> seats that an application with *values* takes."""
        if not self.limited:
            return {}
        seats = self.seats(values)
        needs = {}
        if self.limit is not None:
            needs[FORM_POOL] = seats
        for key, limited in self.choice_limits.items():
            chosen = values.get(key)
            chosen = chosen if isinstance(chosen, list) else [chosen]
            for value in chosen:
                if value in limited:
                    needs[choice_pool(key, value)] = seats
        return needs

    def link_expires(self, timezone: str) -> dt.datetime | None:
        """When the applicant's link stops working (naive UTC), or None."""
        if not self.cancel_until:
            return None
        local = parse_local(self.cancel_until).replace(tzinfo=ZoneInfo(timezone))
        return local.astimezone(dt.UTC).replace(tzinfo=None)
