def test_fill_public_form(client, make_form, staff_client):
    form = make_form()
    page = client.get(f"/f/{form.slug}")
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert "氏名" in html
