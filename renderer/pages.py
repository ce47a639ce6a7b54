"""Multi-page forms: a section marked ``"page": true`` starts a page of its own.

Everything up to the next such section is on that page; a form without one has a single
page. The answers of the other pages travel with the page in one signed hidden input
(``page_state``), so nothing is kept in a cookie and a forged state is refused: each page
posts its own questions, the state brings the rest, and the final submit checks every
answer again. A page whose questions the answers all hide is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from app import signing
from builder import conditions
from builder.fields.base import FieldType
from renderer.form_class import Layout, field_name

#: the request fields that belong to the page, not to a question
STATE_FIELD = "page_state"
PAGE_FIELD = "page"


@dataclass
class Page:
    """One page: its number (from 1) and the items on it."""

    number: int
    items: list[Layout] = field(default_factory=list)

    def field_keys(self) -> list[str]:
        return [ft.key for item in self.items for ft in item.fields]


def split(layout: list[Layout]) -> list[Page]:
    """The pages of a form's layout (one page when no section is marked as a page)."""
    pages = [Page(1)]
    for item in layout:
        if item.section and item.section.get("page") and pages[-1].items:
            pages.append(Page(len(pages) + 1))
        pages[-1].items.append(item)
    return pages


def is_multi_page(layout: list[Layout]) -> bool:
    return len(split(layout)) > 1


def _item_key(item: Layout) -> str:
    return item.section["key"] if item.section else item.fields[0].key


def shown_items(page: Page, hidden: set[str]) -> list[Layout]:
    """The page's items to render: an item hidden by answers of other pages is left out.

    An item whose condition depends on a question of this page stays, with its
    condition, for the browser (or, without a script, for the applicant) to apply.
    """
    on_page = set(page.field_keys())
    out = []
    for item in page.items:
        spec = item.section or item.fields[0].spec
        if _item_key(item) in hidden and not conditions.referenced(spec.get("show_if")) & on_page:
            continue
        kept = [
            ft
            for ft in item.fields
            if ft.key not in hidden or conditions.referenced(ft.spec.get("show_if")) & on_page
        ]
        if kept or (item.section and not item.fields):  # a section left empty is not shown
            out.append(Layout(item.section, kept))
    return out


def is_skipped(page: Page, hidden: set[str]) -> bool:
    """Whether the answers hide every question of *page*."""
    return all(key in hidden for key in page.field_keys())


# -- the answers of the other pages ------------------------------------------------


def _serializer(form_id: int) -> URLSafeSerializer:
    return signing.serializer(f"atsume-pages:form-{form_id}")


def dump_state(form_id: int, formdata: MultiDict, keys: list[str]) -> str:
    """The signed answers (request strings) of the questions *keys*."""
    names = {field_name(key) for key in keys}
    pairs = [[name, value] for name, value in formdata.items(multi=True) if name in names]
    return _serializer(form_id).dumps(pairs)


def load_state(form_id: int, text: str) -> list[tuple[str, str]] | None:
    """The answers a page carried; None when the state was changed or is not one."""
    try:
        pairs = _serializer(form_id).loads(text)
    except BadSignature:
        return None
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in pairs
    ):
        return None
    return [(name, value) for name, value in pairs]


def merged_formdata(
    form_id: int, posted: MultiDict, pages: list[Page], fields: list[FieldType]
) -> tuple[MultiDict, Page | None]:
    """The whole form's answers: the posted page's own, the others from the page state.

    Also returns the page that was posted (None for a one-page form or the confirmation
    page, whose request carries every answer itself).
    """
    if STATE_FIELD not in posted or len(pages) < 2:
        return posted, None
    page = pages[page_index(posted.get(PAGE_FIELD), pages)]
    own = {field_name(key) for key in page.field_keys()}
    every = {field_name(ft.key) for ft in fields}
    pairs = posted.items(multi=True)
    data = MultiDict([(name, value) for name, value in pairs if name not in every or name in own])
    for name, value in load_state(form_id, posted.get(STATE_FIELD, "")) or []:
        if name in every and name not in own:
            data.add(name, value)
    return data, page


def page_index(raw, pages: list[Page]) -> int:
    """The 0-based index of the posted page number (the first page if it is not one)."""
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 0
    return number - 1 if 1 <= number <= len(pages) else 0


def neighbour(pages: list[Page], index: int, step: int, hidden: set[str]) -> int | None:
    """The index of the next (step 1) or previous (-1) page that is not skipped."""
    index += step
    while 0 <= index < len(pages):
        if not is_skipped(pages[index], hidden):
            return index
        index += step
    return None


def progress(pages: list[Page], index: int, hidden: set[str]) -> tuple[int, int]:
    """(position, total) among the pages the answers do not skip: 「2 / 4」."""
    shown = [i for i, page in enumerate(pages) if not is_skipped(page, hidden) or i == index]
    return shown.index(index) + 1, len(shown)
