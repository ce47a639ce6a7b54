"""Hostile query strings and JSON bodies get a 4xx with a message that says what is wrong."""

from __future__ import annotations

import html
import re

import pytest

DEEP = "[" * 100_000 + "]" * 100_000
LONE_SURROGATE = '{"title": "a\\udc80b", "fields": []}'


def test_language_link_keeps_query_names_that_url_for_would_take(client, make_form):
    form = make_form()
    response = client.get(f"/f/{form.slug}?slug=x&endpoint=x&_method=DELETE")
    assert response.status_code == 200
    link = re.search(r'class="lang-switch" href="([^"]+)"', response.get_data(as_text=True))
    href = html.unescape(link.group(1))
    assert href.startswith(f"/f/{form.slug}?")
    assert {"slug=x", "endpoint=x", "_method=DELETE", "lang=en"} <= set(
        href.split("?")[1].split("&")
    )


@pytest.mark.parametrize("query", ["created_at.max=9999-12-31", "created_at.min=0001-01-01"])
def test_out_of_range_dates_are_refused_by_name(api, staff_client, make_form, query):
    form = make_form()
    answer = api.get(f"/api/v1/forms/{form.id}/records?{query}")
    assert answer.status_code == 400
    name = query.split("=")[0]
    assert {
        "path": name,
        "message": "1900-01-01から2999-12-31までの日付を入力してください。",
    } in answer.json["errors"]
    for url in (f"/staff/forms/{form.id}/records", f"/staff/forms/{form.id}/records.csv"):
        page = staff_client.get(f"{url}?{query}")
        assert 400 <= page.status_code < 500
        assert "1900-01-01" in page.get_data(as_text=True)


def test_huge_page_numbers_are_refused_with_a_message(api, staff_client, make_form):
    form = make_form()
    page = staff_client.get(f"/staff/forms/{form.id}/records?page=99999999999999999999")
    assert page.status_code == 400
    assert "page: 1から1000000000までの整数を指定してください。" in page.get_data(as_text=True)
    answer = api.get(f"/api/v1/forms/{form.id}/records?offset=99999999999999999999")
    assert answer.status_code == 400
    assert answer.json["errors"][0]["path"] == "offset"
    assert staff_client.get(f"/staff/forms/{10**20}").status_code == 404


def test_deep_json_is_refused_everywhere(api, staff_client, make_form):
    form = make_form()
    answer = api.post("/api/v1/forms", data=DEEP, content_type="application/json")
    assert answer.status_code == 400
    assert "入れ子が深すぎます" in answer.json["error"]

    saved = staff_client.put(
        f"/staff/forms/{form.id}/designer/draft",
        data='{"revision": 1, "document": ' + DEEP + "}",
        content_type="application/json",
    )
    assert saved.status_code == 400
    assert "入れ子が深すぎます" in saved.json["error"]

    imported = staff_client.post("/staff/forms/import", data={"definition": DEEP})
    assert imported.status_code == 422
    assert "入れ子が深すぎます" in imported.get_data(as_text=True)


def test_lone_surrogates_are_refused(api, staff_client, make_form):
    form = make_form()
    answer = api.post("/api/v1/forms", data=LONE_SURROGATE, content_type="application/json")
    assert answer.status_code == 400
    assert "\\udc80" in answer.json["error"]
    record = api.post(
        f"/api/v1/forms/{form.id}/records",
        data='{"name": "a\\udc80b", "age": 30}',
        content_type="application/json",
    )
    assert record.status_code == 400
    imported = staff_client.post("/staff/forms/import", data={"definition": LONE_SURROGATE})
    assert imported.status_code == 422
    assert "\\udc80" in imported.get_data(as_text=True)


def test_pages_refuse_json_bodies(client, make_form):
    form = make_form()
    response = client.post(f"/f/{form.slug}", data='"ab"', content_type="application/json")
    assert response.status_code == 415


def test_unexpected_failures_answer_json_to_scripts_and_a_page_to_people(
    app, client, api, make_form, monkeypatch
):
    form = make_form()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def fail(*args, **kwargs):
        raise RuntimeError("broken")

    monkeypatch.setitem(app.view_functions, "api.list_forms", fail)
    monkeypatch.setitem(app.view_functions, "public.fill", fail)
    answer = api.get("/api/v1/forms")
    assert answer.status_code == 500
    assert answer.is_json and answer.json["error"]
    page = client.get(f"/f/{form.slug}")
    assert page.status_code == 500
    assert page.mimetype == "text/html"
    assert "<h1" in page.get_data(as_text=True)
