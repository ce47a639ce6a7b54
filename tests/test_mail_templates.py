"""Mail templates: placeholders, the settings page (unknown placeholders refused, naming
them), the preview, and the settings' checks in the definition."""

from __future__ import annotations

import copy
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.forms import operations
from app.models import AuditEvent, Grant, OutboxMessage
from app.records.submission import submit
from builder import definition as definitions
from builder import mail_templates as templates
from builder.definition import DefinitionError
from tests.mail_server import EVENT

# -- the pure template functions --------------------------------------------------------


def test_placeholders_are_found_once_each_in_order():
    text = "{{name}} 様 {{ receipt_no }} {{name}}{{answers}}"
    assert templates.placeholders(text) == ["name", "receipt_no", "answers"]
    assert templates.unknown_placeholders(text, ["name", "answers"]) == ["receipt_no"]


def test_render_fills_values_and_never_expands_what_a_citizen_typed():
    values = {"name": "{{receipt_no}}", "receipt_no": "X"}
    out = templates.render("{{name}} 様\n{{unknown}}!", values)
    assert out == "{{receipt_no}} 様\n!"


def test_a_line_with_an_empty_cancel_link_is_left_out():
    text = "受付番号 {{receipt_no}}\n取り消しはこちら: {{cancel_url}}\n以上"
    assert templates.render(text, {"receipt_no": "1"}) == "受付番号 1\n以上"
    with_link = templates.render(text, {"receipt_no": "1", "cancel_url": "https://x/c"})
    assert "取り消しはこちら: https://x/c" in with_link


def test_a_subject_stays_on_one_line():
    assert templates.one_line(" 申込\r\nBcc: x@example.jp ") == "申込 Bcc: x@example.jp"


def test_the_definition_checks_mail_settings():
    document = copy.deepcopy(EVENT)
    definitions.load(document)  # valid as written
    document["settings"]["mail"]["staff_notice"]["recipients"] = ["not-an-address"]
    with pytest.raises(DefinitionError) as error:
        definitions.load(document)
    assert "staff_notice" in str(error.value.errors)
    document = copy.deepcopy(EVENT)
    document["settings"]["mail"]["reply_to"] = "nobody"
    with pytest.raises(DefinitionError):
        definitions.load(document)


def test_a_document_without_mail_settings_stays_as_it_is():
    document = copy.deepcopy(EVENT)
    del document["settings"]["mail"]
    assert "mail" not in definitions.load(document).document["settings"]
    assert templates.mail_settings({})["auto_reply"]["enabled"] is False


def test_the_email_type_says_it_holds_addresses():
    from builder.fields import registry

    assert registry.get("email").mail_address is True
    assert registry.get("text").mail_address is False


# -- the settings page --------------------------------------------------------------------


def _fields(**changes) -> dict:
    data = {
        "revision": "",
        "auto_reply_enabled": "y",
        "auto_reply_field": "mail",
        "auto_reply_subject": "【{{form_title}}】{{receipt_no}}",
        "auto_reply_body": "{{name}} 様\n{{answers}}\n{{cancel_url}}",
        "reply_to": "",
        "staff_notice_enabled": "y",
        "staff_notice_recipients": "kikaku@city.example.jp\nsoumu@city.example.jp",
        "staff_notice_subject": "新着 {{receipt_no}}",
        "staff_notice_body": "{{record_url}}\n{{answers}}",
        "promotion_subject": "繰り上げ {{receipt_no}}",
        "promotion_body": "{{name}} 様",
        "action": "save",
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


@pytest.fixture
def form(make_form):
    document = copy.deepcopy(EVENT)
    del document["settings"]["mail"]
    return make_form(document)


def test_the_page_starts_from_the_default_templates(staff_client, form):
    page = staff_client.get(f"/staff/forms/{form.id}/mail")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "{{receipt_no}}" in text and "{{answers}}" in text
    assert 'value="mail"' in text  # the form's e-mail item is offered


def test_saving_stores_the_settings_in_the_draft_and_audits(staff_client, form):
    response = staff_client.post(f"/staff/forms/{form.id}/mail", data=_fields())
    assert response.status_code == 303
    db.session.refresh(form)
    mail = form.draft["settings"]["mail"]
    assert mail["auto_reply"]["field"] == "mail"
    assert mail["staff_notice"]["recipients"] == [
        "kikaku@city.example.jp",
        "soumu@city.example.jp",
    ]
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "form.settings")
    ).all()[-1]
    assert "mail" in event.detail["changed"]


def test_unknown_placeholders_are_refused_naming_them(staff_client, form):
    response = staff_client.post(
        f"/staff/forms/{form.id}/mail",
        data=_fields(auto_reply_body="{{name}} {{namae}} {{receipt}}", promotion_subject="{{x1}}"),
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "{{namae}}, {{receipt}}" in text or "{{namae}}、{{receipt}}" in text
    assert "{{x1}}" in text
    db.session.refresh(form)
    assert "mail" not in form.draft["settings"]


def test_record_url_is_for_the_staff_notification_only(staff_client, form):
    response = staff_client.post(
        f"/staff/forms/{form.id}/mail", data=_fields(auto_reply_body="{{record_url}}")
    )
    assert response.status_code == 422


def test_bad_addresses_and_missing_choices_are_refused(staff_client, form):
    response = staff_client.post(
        f"/staff/forms/{form.id}/mail",
        data=_fields(staff_notice_recipients="kikaku@city.example.jp\nnot an address"),
    )
    assert response.status_code == 422
    response = staff_client.post(
        f"/staff/forms/{form.id}/mail", data=_fields(auto_reply_field="")
    )
    assert response.status_code == 422
    response = staff_client.post(
        f"/staff/forms/{form.id}/mail", data=_fields(staff_notice_recipients="")
    )
    assert response.status_code == 422


def test_the_preview_uses_examples_without_records(staff_client, form):
    response = staff_client.post(
        f"/staff/forms/{form.id}/mail", data=_fields(action="preview")
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "〈氏名〉 様" in text
    assert "【市民まつり参加申込】20260401-000123" in text


def test_the_preview_uses_the_latest_record(staff_client, form):
    definition = operations.load_draft(form)
    submit(form, definition, {"name": "佐藤一郎", "mail": "ichiro@example.jp", "people": 4})
    record, _new = submit(
        form, definition, {"name": "鈴木二郎", "mail": "jiro@example.jp", "people": 1}
    )
    response = staff_client.post(
        f"/staff/forms/{form.id}/mail", data=_fields(action="preview")
    )
    text = response.get_data(as_text=True)
    assert "鈴木二郎 様" in text and "■ 参加人数: 1" in text
    assert f"【市民まつり参加申込】{record.receipt_no}" in text
    assert "佐藤一郎" not in text


def test_the_preview_leaves_hidden_items_empty(app, client, login, make_user, form):
    definition = operations.load_draft(form)
    submit(form, definition, {"name": "秘密花子", "mail": "h@example.jp", "people": 2})
    manager = make_user("manager", dept=None)
    db.session.add(
        Grant(
            form_id=form.id,
            user_id=manager.id,
            rights=["manage", "view_records"],
            fields={"name": "hidden"},
        )
    )
    db.session.commit()
    login(manager)
    response = client.post(f"/staff/forms/{form.id}/mail", data=_fields(action="preview"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "秘密花子" not in text and "■ 参加人数: 2" in text


def test_saved_settings_send_mail_after_publishing(staff_client, staff, form):
    staff_client.post(f"/staff/forms/{form.id}/mail", data=_fields())
    db.session.refresh(form)
    operations.publish(form, staff)
    data = {
        "f_name": "山田",
        "f_mail": "yamada@example.jp",
        "submission_token": uuid.uuid4().hex,
        "action": "submit",
    }
    assert staff_client.post(f"/f/{form.slug}", data=data).status_code == 303
    messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.kind for m in messages] == ["auto_reply", "staff_notice"]
    assert messages[1].to == "kikaku@city.example.jp, soumu@city.example.jp"
    assert f"/staff/forms/{form.id}/records/" in messages[1].body
