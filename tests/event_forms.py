"""Event forms shared by the event registration tests."""

from __future__ import annotations

import copy
import uuid

SESSIONS = {
    "title": "市民講座 申し込み",
    "slug": "koza",
    "settings": {
        "capacity": {"limit": None, "count_field": None, "waitlist": False},
        "show_remaining": True,
        "cancel_link": True,
    },
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {"key": "email", "type": "email", "label": "メールアドレス"},
        {
            "key": "session",
            "type": "radio",
            "label": "参加する回",
            "required": True,
            "choices": [
                {"value": "am", "label": "午前の部", "capacity": 2},
                {"value": "pm", "label": "午後の部", "capacity": 3},
                {"value": "eve", "label": "夜の部"},
            ],
        },
        {"key": "participants", "type": "number", "label": "参加人数", "min": 1, "max": 10},
    ],
}


def event(limit=None, *, count_field=None, waitlist=False, **settings) -> dict:
    """The sessions form with these capacity settings (other settings as keywords)."""
    document = copy.deepcopy(SESSIONS)
    document["settings"]["capacity"] = {
        "limit": limit,
        "count_field": count_field,
        "waitlist": waitlist,
    }
    document["settings"].update(settings)
    return document


def apply(client, form, *, action="submit", token=None, **answers):
    """POST an application to the public form; answers are field key -> value."""
    data = {"f_name": "山田 花子", "f_session": "eve", "action": action}
    data.update({f"f_{key}": value for key, value in answers.items()})
    data["submission_token"] = token or uuid.uuid4().hex
    return client.post(f"/f/{form.slug}", data=data)
