"""The thank-you address (/f/<slug>/thanks/<ticket>) shows a receipt only on its own form,
and only for a day."""

import re
import time

from itsdangerous import TimestampSigner

from app import signing
from renderer.public import RECEIPT_TICKET_AGE, ticket_record_id
from tests.conftest import ELECTION

VALID = {"f_name": "一関 太郎", "f_age": "30", "f_ward": "花泉", "f_days": ["d1"]}


def _submit(client, slug: str) -> str:
    page = client.get(f"/f/{slug}").get_data(as_text=True)
    token = re.search(r'name="submission_token"[^>]*value="([0-9a-f]+)"', page).group(1)
    done = client.post(f"/f/{slug}", data={**VALID, "submission_token": token, "action": "submit"})
    assert done.status_code == 303
    return done.headers["Location"]


def test_ticket_opens_only_on_its_own_form(client, make_form):
    first = make_form()
    second = make_form({**ELECTION, "slug": "other-form", "title": "別の申込"})
    # one record in each form, so both have a record with the same id
    _submit(client, second.slug)
    thanks = _submit(client, first.slug)
    ticket = thanks.rsplit("/", 1)[1]

    assert client.get(thanks).status_code == 200
    moved = client.get(f"/f/{second.slug}/thanks/{ticket}")
    assert moved.status_code == 404
    assert "受付番号" not in moved.get_data(as_text=True)


def test_ticket_expires_after_a_day(client, make_form, monkeypatch):
    form = make_form()
    issued = time.time() - RECEIPT_TICKET_AGE - 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(issued))
    thanks = _submit(client, form.slug)
    monkeypatch.undo()
    assert client.get(thanks).status_code == 404


def test_a_ticket_given_out_in_the_earlier_form_still_opens(client, make_form):
    form = make_form()
    thanks = _submit(client, form.slug)
    record_id = int(ticket_record_id(form, thanks.rsplit("/", 1)[1]))
    earlier = signing.timed_serializer(f"atsume-receipt:form-{form.id}").dumps(record_id)
    page = client.get(f"/f/{form.slug}/thanks/{earlier}")
    assert page.status_code == 200 and "受付番号" in page.get_data(as_text=True)
    forged = earlier[:-2] + ("AA" if not earlier.endswith("AA") else "BB")
    assert client.get(f"/f/{form.slug}/thanks/{forged}").status_code == 404
