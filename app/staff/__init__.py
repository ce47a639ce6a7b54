"""Staff pages: forms, drafts, publishing, records and exports."""

from app.staff import account, forms, records  # noqa: F401 - attach their routes
from app.staff.blueprint import blueprint

__all__ = ["blueprint"]
