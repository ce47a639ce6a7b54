"""Workflow statuses of records (only "new" so far; workflows will add more)."""

from builder.i18n import N_

NEW = "new"
LABELS = {NEW: N_("New")}


def status_label(status: str, gettext) -> str:
    return gettext(LABELS[status]) if status in LABELS else status
