"""Answers keep their choice label after the choice is removed from the form."""

import copy

from app.forms import operations
from tests.test_public_form import _fill


def test_removed_choice_keeps_its_label_in_the_list_and_export(client, staff_client, make_form):
    form = make_form()
    _fill(client, form.slug, {"f_name": "山田", "f_ward": "花泉", "f_days": ["d2"]}, "submit")
    document = copy.deepcopy(form.draft)
    ward = next(f for f in document["fields"] if f["key"] == "ward")
    ward["choices"] = [c for c in ward["choices"] if c["value"] != "花泉"] + [
        {"value": "c_new1", "label": "千厩"}
    ]
    days = next(f for f in document["fields"] if f["key"] == "days")
    days["choices"] = [{"value": "d1", "label": "6月30日"}, {"value": "d3", "label": "7月2日"}]
    operations.save_draft(form, document, form.draft_revision)
    operations.publish(form)

    listing = staff_client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert "花泉" in listing and "7月1日" in listing
    csv_text = staff_client.get(f"/staff/forms/{form.id}/records.csv").data.decode("utf-8-sig")
    assert "花泉" in csv_text and "7月1日" in csv_text

    # the choice comes back: it is a current choice again, not a past one
    ward["choices"].append({"value": "花泉", "label": "花泉（新）"})
    operations.save_draft(form, document, form.draft_revision)
    operations.publish(form)
    entry = next(e for e in form.storage if e["key"] == "ward")
    assert all(c["value"] != "花泉" for c in entry.get("past_choices", []))
    assert "花泉（新）" in staff_client.get(f"/staff/forms/{form.id}/records").get_data(
        as_text=True
    )
