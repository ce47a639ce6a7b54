"""Workflow statuses of records (only "new" so far; workflows will add more)."""

from builder.i18n import N_

NEW = "new"
#: set by event registration: waiting for a place, and cancelled (seats freed)
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"
LABELS = {
    NEW: N_("New"),
    WAITLISTED: N_("On the waiting list"),
    CANCELLED: N_("Cancelled"),
}


def status_label(status: str, gettext) -> str:
    return gettext(LABELS[status]) if status in LABELS else status
