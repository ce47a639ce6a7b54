"""Comments on a record with @mentions: only colleagues who may see the records can be
mentioned, they find the comment in their list, and authors delete their own comments."""

from __future__ import annotations

from app import rights
from app.extensions import db
from app.models import RecordComment, RecordMention
from app.records import comments
from tests.conftest import log_in
from tests.record_world import grant, make_world


def _comment(client, form, record, body: str):
    return client.post(f"/staff/forms/{form.id}/records/{record.id}/comments", data={"body": body})


def _detail(client, form, record) -> str:
    return client.get(f"/staff/forms/{form.id}/records/{record.id}").get_data(as_text=True)


def test_comment_with_mentions_by_login_and_display_name(
    app, staff_client, staff, make_user, make_form
):
    form, record = make_world(make_form)
    sato = make_user("sato")
    sato.display_name = "佐藤 花子"
    suzuki = make_user("suzuki")
    db.session.commit()
    body = "@suzuki さん、@佐藤花子 さん確認お願いします。"
    response = _comment(staff_client, form, record, body)
    assert response.status_code == 302
    [comment] = db.session.query(RecordComment).all()
    assert sorted(comment.mentions) == sorted([sato.id, suzuki.id])
    assert "確認お願いします" in _detail(staff_client, form, record)
    history_page = staff_client.get(f"/staff/forms/{form.id}/records/{record.id}/history").get_data(
        as_text=True
    )
    assert "timeline-entry--comment" in history_page and "確認お願いします" in history_page

    other = app.test_client()
    log_in(other, sato)
    page = other.get("/staff/forms").get_data(as_text=True)
    assert 'class="nav-count">1<' in page
    mentions = other.get("/staff/mentions").get_data(as_text=True)
    assert "確認お願いします" in mentions and record.receipt_no in mentions
    assert f"#comment-{comment.id}" in mentions
    page = other.get("/staff/forms").get_data(as_text=True)
    assert "nav-count" not in page  # seen


def test_unknown_or_unauthorised_mention_is_refused_with_a_message(
    staff_client, make_user, make_form, other_department
):
    form, record = make_world(make_form)
    make_user("outsider", dept=other_department)  # no right on the form
    for body in ("@nobody 見てください", "@outsider 見てください"):
        response = _comment(staff_client, form, record, body)
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert "field-error" in text and body.split()[0][1:] in text
        assert body in text  # the draft is kept
    assert db.session.query(RecordComment).count() == 0


def test_empty_comment_is_refused(staff_client, make_form):
    form, record = make_world(make_form)
    assert _comment(staff_client, form, record, "   ").status_code == 422
    assert db.session.query(RecordComment).count() == 0


def test_mention_candidates_offer_only_people_who_may_view(
    staff_client, make_user, make_form, other_department
):
    form, record = make_world(make_form)
    make_user("yamada")
    make_user("yamaguchi", dept=other_department)
    response = staff_client.get(f"/staff/forms/{form.id}/mention-candidates?q=yama")
    names = [item["username"] for item in response.get_json()["items"]]
    assert names == ["yamada"]


def test_viewer_in_another_department_can_be_mentioned(
    staff_client, make_user, make_form, other_department
):
    form, record = make_world(make_form)
    reader = make_user("reader", dept=other_department)
    grant(form, reader, {rights.VIEW_RECORDS})
    assert _comment(staff_client, form, record, "@reader 参考まで").status_code == 302
    assert comments.unseen_count(reader) == 1


def test_only_the_author_deletes_a_comment(app, staff_client, staff, make_user, make_form):
    form, record = make_world(make_form)
    colleague = make_user("kimura")
    _comment(staff_client, form, record, "@kimura 自分のコメント")
    comment = db.session.query(RecordComment).one()
    url = f"/staff/forms/{form.id}/records/{record.id}/comments/delete"

    other = app.test_client()
    log_in(other, colleague)
    assert other.post(url, data={"comment": comment.id}).status_code == 403
    assert 'name="comment"' not in _detail(other, form, record)
    assert staff_client.post(url, data={"comment": comment.id}).status_code == 302
    assert db.session.query(RecordComment).count() == 0
    assert db.session.query(RecordMention).count() == 0
