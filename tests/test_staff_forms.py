"""Staff-only forms (the internal survey): staff log-in, departments, one answer per person
changeable until the form closes, anonymous mode, the home page's waiting list, roles."""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.forms import operations
from app.forms.published import published_definition
from app.models import AuditEvent, Department, SurveyRespondent
from app.records import store
from app.records.submission import submit_staff_answer
from app.records.tables import record_table_name
from tests.conftest import ELECTION, log_in

SURVEY = {
    **copy.deepcopy(ELECTION),
    "title": "職員満足度調査",
    "slug": "naibu-chosa",
    "settings": {"audience": "staff"},
}
ANSWER = {"f_name": "回答 一郎", "f_age": "40", "f_ward": "一関", "f_days": ["d1"]}


def _survey(make_form, user=None, **settings) -> object:
    document = copy.deepcopy(SURVEY)
    document["settings"].update(settings)
    return make_form(document, user=user)


def _send(client, slug, answer=None, expect=303):
    page = client.get(f"/f/{slug}")
    assert page.status_code == 200, page.get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', page.get_data(True))
    data = {**(answer or ANSWER), "submission_token": token.group(1), "action": "submit"}
    response = client.post(f"/f/{slug}", data=data)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response


def _rows(form) -> list[dict]:
    table = sa.table(record_table_name(form.id), sa.column("id"), sa.column("created_by"),
                     sa.column("updated_by"), sa.column("f_name"))
    return [dict(r) for r in db.session.execute(sa.select(table)).mappings()]


def _choices(form) -> list[str]:
    values = sa.table(f"{record_table_name(form.id)}_values", sa.column("value"))
    return sorted(db.session.scalars(sa.select(values.c.value)))


def test_a_staff_form_asks_for_a_log_in_at_its_usual_address(client, make_form, staff):
    form = _survey(make_form)
    page = client.get(f"/f/{form.slug}")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?next=/f/naibu-chosa")
    assert client.post(f"/f/{form.slug}", data=ANSWER).status_code == 302
    assert store.count(form) == 0

    log_in(client, staff)
    page = client.get(f"/f/{form.slug}")
    assert page.status_code == 200
    assert "Your name is stored with your answer" in page.get_data(as_text=True) or (
        "回答とともに氏名が記録" in page.get_data(as_text=True)
    )
    _send(client, form.slug)
    assert _rows(form)[0]["created_by"] == staff.id


def test_limited_to_departments_and_the_departments_below(client, make_form, make_user, staff):
    parent = db.session.scalar(sa.select(Department).where(Department.name == "選挙管理委員会"))
    child = Department(name="選挙係", parent_id=parent.id)
    outside = Department(name="税務課")
    db.session.add_all([child, outside])
    db.session.commit()
    form = _survey(make_form, respondents=["選挙管理委員会"])
    below = make_user("kakari", dept=child)
    stranger = make_user("zeimu", dept=outside)

    log_in(client, stranger)
    refused = client.get(f"/f/{form.slug}")
    assert refused.status_code == 403
    assert "選挙管理委員会" in refused.get_data(as_text=True)
    assert client.post(f"/f/{form.slug}", data=ANSWER).status_code == 403
    assert store.count(form) == 0

    client.post("/logout")
    log_in(client, below)
    _send(client, form.slug)
    assert store.count(form) == 1


def test_one_answer_per_person_is_changed_until_the_form_closes(client, make_form, staff):
    form = _survey(make_form, one_answer_per_person=True)
    log_in(client, staff)
    _send(client, form.slug)

    again = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert 'value="回答 一郎"' in again  # the earlier answer, to change
    assert re.search(r'<input checked[^>]*value="d1"', again)
    _send(client, form.slug, {**ANSWER, "f_name": "回答 二郎", "f_days": ["d2"]})

    rows = _rows(form)
    assert len(rows) == 1
    assert rows[0]["f_name"] == "回答 二郎" and rows[0]["updated_by"] == staff.id
    assert _choices(form) == ["d2"]  # the choice table follows the change
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.form_id == form.id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["record.create", "record.edit"]

    operations.set_acceptance(form, False)
    closed = client.get(f"/f/{form.slug}")
    assert closed.status_code == 410
    refused = client.post(f"/f/{form.slug}", data={**ANSWER, "action": "submit"})
    assert refused.status_code == 410
    assert _rows(form)[0]["f_name"] == "回答 二郎"


def test_two_first_answers_at_once_make_one_record(app, make_form, staff):
    form = _survey(make_form, one_answer_per_person=True)
    definition = published_definition(form)
    form_id, user_id = form.id, staff.id
    errors = []
    barrier = threading.Barrier(2)

    def answer(name):
        with app.app_context():
            try:
                from app.models import Form, User

                here, person = db.session.get(Form, form_id), db.session.get(User, user_id)
                barrier.wait()
                submit_staff_answer(
                    here,
                    definition,
                    {"name": name, "days": ["d1"]},
                    person,
                    one_answer_per_person=True,
                    anonymous=False,
                )
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=answer, args=(n,)) for n in ("一", "二")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    db.session.rollback()
    assert len(_rows(form)) == 1
    assert len(_choices(form)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyRespondent)) == 1


def test_anonymous_answers_keep_no_name_and_cannot_be_sent_twice(client, make_form, staff):
    form = _survey(make_form, one_answer_per_person=True, anonymous=True)
    staff.display_name = "職員 花子"
    db.session.commit()
    log_in(client, staff)
    first = client.get(f"/f/{form.slug}").get_data(as_text=True)
    assert "匿名" in first
    _send(client, form.slug)

    rows = _rows(form)
    assert len(rows) == 1
    assert rows[0]["created_by"] is None and rows[0]["updated_by"] is None
    respondent = db.session.get(SurveyRespondent, (form.id, staff.id))
    assert respondent is not None and respondent.record_id is None

    again = client.get(f"/f/{form.slug}")
    assert again.status_code == 200
    text = again.get_data(as_text=True)
    assert "回答済み" in text and 'name="f_name"' not in text
    second = client.post(f"/f/{form.slug}", data={**ANSWER, "action": "submit"})
    assert second.status_code == 409
    assert len(_rows(form)) == 1
    # no audit entry ties the person to the answer (its time would)
    assert not db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.form_id == form.id)
    ).all()

    records = client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    table = records.split("<table", 1)[1]
    assert "回答者" not in table and "職員 花子" not in table
    csv = client.get(f"/staff/forms/{form.id}/records.csv").get_data(as_text=True)
    assert "回答者" not in csv


def test_the_respondent_shows_in_the_records_of_a_form_with_names(client, make_form, staff):
    form = _survey(make_form, one_answer_per_person=True)
    staff.display_name = "職員 花子"
    db.session.commit()
    log_in(client, staff)
    _send(client, form.slug)
    listing = client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)
    assert "回答者" in listing and "職員 花子" in listing
    record_id = _rows(form)[0]["id"]
    detail = client.get(f"/staff/forms/{form.id}/records/{record_id}").get_data(as_text=True)
    assert "職員 花子" in detail
    csv = client.get(f"/staff/forms/{form.id}/records.csv").get_data(as_text=True)
    header, row = csv.splitlines()[:2]
    assert "回答者" in header and "職員 花子" in row


def test_citizens_forms_show_no_respondent(client, make_form, staff):
    form = make_form()
    log_in(client, staff)
    assert "回答者" not in client.get(f"/staff/forms/{form.id}/records").get_data(as_text=True)


def test_the_home_page_lists_the_surveys_waiting_for_me(client, make_form, make_user, staff):
    mine = _survey(make_form, one_answer_per_person=True)
    other = Department(name="税務課")
    db.session.add(other)
    db.session.commit()
    document = copy.deepcopy(SURVEY)
    document.update(slug="zeimu-chosa", title="税務課だけの調査")
    document["settings"]["respondents"] = ["税務課"]
    make_form(document)
    make_form({**copy.deepcopy(ELECTION), "slug": "shimin", "title": "市民向けフォーム"})

    log_in(client, staff)
    home = client.get("/staff/forms").get_data(as_text=True)
    waiting = home.split('id="waiting-surveys"', 1)[1].split("</section>", 1)[0]
    assert "回答待ちのアンケート" in home
    assert "職員満足度調査" in waiting and "/f/naibu-chosa" in waiting
    assert "税務課だけの調査" not in waiting and "市民向けフォーム" not in waiting
    assert "回答済み" not in waiting

    _send(client, mine.slug)
    waiting = client.get("/staff/forms").get_data(as_text=True)
    assert "回答済み・修正できます" in waiting

    operations.set_acceptance(mine, False)
    assert 'id="waiting-surveys"' not in client.get("/staff/forms").get_data(as_text=True)


def test_roles_public_404s_staff_forms_and_internal_serves_them(app_config, make_form, staff):
    form = _survey(make_form)
    citizens = make_form({**copy.deepcopy(ELECTION), "slug": "shimin"})
    public = create_app({**app_config, "ATSUME_ROLE": "public"}).test_client()
    internal = create_app({**app_config, "ATSUME_ROLE": "internal"}).test_client()

    assert public.get(f"/f/{form.slug}").status_code == 404
    assert public.post(f"/f/{form.slug}", data=ANSWER).status_code == 404
    assert public.get(f"/f/{citizens.slug}").status_code == 200

    assert internal.get(f"/f/{form.slug}").status_code == 302  # to the log-in
    log_in(internal, staff)
    assert internal.get(f"/f/{form.slug}").status_code == 200
    assert internal.get(f"/f/{citizens.slug}").status_code == 404


def _settings(client, form, **changes):
    data = {
        "title": form.title,
        "slug": form.slug,
        "is_open": "y",
        "confirm_page": "y",
        "receipt_format": "{yyyy}-{seq:05d}",
        "audience": "staff",
        **changes,
    }
    return client.post(f"/staff/forms/{form.id}/settings", data=data)


def test_settings_name_an_unknown_department_next_to_the_field(client, make_form, staff):
    form = make_form()
    log_in(client, staff)
    before = copy.deepcopy(form.draft)
    response = _settings(client, form, respondents="選挙管理委員会\n存在しない課")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    error = re.search(r'id="respondents-error">([^<]*)<', text)
    assert error and "存在しない課" in error.group(1)
    db.session.refresh(form)
    assert form.draft == before


def test_settings_make_a_staff_survey_published_like_other_settings(client, make_form, staff):
    form = make_form()
    log_in(client, staff)
    response = _settings(
        client, form, respondents="選挙管理委員会", one_answer_per_person="y", anonymous="y"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(form)
    settings = form.draft["settings"]
    assert settings["audience"] == "staff" and settings["respondents"] == ["選挙管理委員会"]
    assert settings["one_answer_per_person"] and settings["anonymous"]
    page = client.get(f"/staff/forms/{form.id}/publish").get_data(as_text=True)
    assert "回答する人" in page and "匿名" in page
    # not yet published: citizens still reach the form without logging in
    client.post("/logout")
    assert client.get(f"/f/{form.slug}").status_code == 200


def test_anonymity_cannot_change_once_answers_arrived(client, make_form, staff):
    form = _survey(make_form, one_answer_per_person=True)
    log_in(client, staff)
    _send(client, form.slug)
    response = _settings(client, form, one_answer_per_person="y", anonymous="y")
    assert response.status_code == 422
    assert re.search(r'id="anonymous-error"', response.get_data(as_text=True))
    db.session.refresh(form)
    assert not form.draft["settings"].get("anonymous")


@pytest.mark.parametrize("value", ["everyone", "", 3])
def test_an_unknown_audience_is_refused(value):
    from builder import definition

    with pytest.raises(definition.DefinitionError) as caught:
        definition.load({**copy.deepcopy(SURVEY), "settings": {"audience": value}})
    assert "audience" in caught.value.errors["settings"]


def test_a_staff_form_closes_for_changes_at_its_end(client, make_form, staff):
    form = _survey(make_form, one_answer_per_person=True)
    log_in(client, staff)
    _send(client, form.slug)
    operations.set_acceptance(
        form, True, opens_at=None, closes_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)
    )
    assert client.get(f"/f/{form.slug}").status_code == 410


def test_a_record_added_through_the_api_to_an_anonymous_form_keeps_no_user(
    make_form, staff, api
):
    form = _survey(make_form, anonymous=True)
    response = api.post(f"/api/v1/forms/{form.id}/records", json={"name": "紙の回答"})
    assert response.status_code == 201, response.get_json()
    assert _rows(form)[0]["created_by"] is None


def test_the_thank_you_address_of_a_staff_answer_names_no_record(client, make_form, staff):
    from renderer.public import ticket_record_id

    form = _survey(make_form, anonymous=True)
    log_in(client, staff)
    done = _send(client, form.slug)
    ticket = done.headers["Location"].rsplit("/", 1)[1]
    assert ticket_record_id(form, ticket) == 0
    assert _rows(form)[0]["id"] != 0
    thanks = client.get(done.headers["Location"])
    assert thanks.status_code == 200 and "回答を受け付けました" in thanks.get_data(as_text=True)
