"""Long lists page with previous/next links that keep the filters."""

import html
import re

import pytest

from app.forms.published import published_definition
from app.records.submission import submit
from tests.conftest import log_in


def _links(page: str) -> dict[str, str]:
    return {
        text: html.unescape(href)
        for href, text in re.findall(r'<a class="button" href="([^"]+)">([^<]+)</a>', page)
    }


@pytest.mark.parametrize("overrides", [{"ATSUME_PAGE_SIZE": 2}])
def test_the_records_list_pages_and_keeps_its_filter(app, staff_client, make_form):
    form = make_form()
    for name in ("一関 一郎", "一関 二郎", "一関 三郎", "花泉 花子"):
        submit(form, published_definition(form), {"name": name})
    first = staff_client.get(f"/staff/forms/{form.id}/records?f_name.contains=一関")
    page = first.get_data(as_text=True)
    assert "2ページ中 1ページ目" in page
    links = _links(page)
    following = next(href for text, href in links.items() if text in ("次へ", "Next"))
    assert "page=2" in following and "f_name.contains=" in following
    second = staff_client.get(following).get_data(as_text=True)
    assert "2ページ中 2ページ目" in second and "花泉 花子" not in second
    back = next(href for text, href in _links(second).items() if text in ("前へ", "Previous"))
    assert "page=1" in back


@pytest.mark.parametrize("overrides", [{"ATSUME_PAGE_SIZE": 2}])
def test_the_audit_log_pages(app, client, make_user):
    admin = make_user("boss", admin=True)
    for _attempt in range(3):
        client.post("/login", data={"username": "nobody", "password": "wrong password"})
    client.post("/login", data={"username": admin.username, "password": "correct horse battery"})
    log_in(client, admin)
    page = client.get("/staff/audit?action=login.failed").get_data(as_text=True)
    following = next(href for text, href in _links(page).items() if text in ("次へ", "Next"))
    assert "page=2" in following and "action=login.failed" in following
    assert client.get(following).status_code == 200
