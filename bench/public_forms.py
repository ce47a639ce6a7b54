"""The public-form benchmark's form: one definition, and the answers both apps receive.

Atsume publishes ``DOCUMENT``; the hand-written baseline (bench/public_baseline.py) has the
same seven fields with the same rules, written directly in Flask-WTF.
"""

from __future__ import annotations

SLUG = "bench-public"
WARDS = [("north", "北地区"), ("south", "南地区"), ("east", "東地区"), ("west", "西地区")]
DAYS = [("d1", "6月1日"), ("d2", "6月2日"), ("d3", "6月8日"), ("d4", "6月9日")]
AGE_MIN, AGE_MAX = 18, 99
NAME_MAX, NOTE_MAX = 50, 1000

DOCUMENT = {
    "title": "説明会参加申込",
    "slug": SLUG,
    "description": "説明会への参加を申し込む方は、次の項目を入力してください。",
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True,
         "max_length": NAME_MAX},
        {"key": "email", "type": "email", "label": "メールアドレス", "required": True},
        {"key": "ward", "type": "radio", "label": "地区", "required": True,
         "choices": [{"value": v, "label": label} for v, label in WARDS]},
        {"key": "days", "type": "checkboxes", "label": "参加できる日", "required": True,
         "choices": [{"value": v, "label": label} for v, label in DAYS]},
        {"key": "age", "type": "number", "label": "年齢", "required": True,
         "min": AGE_MIN, "max": AGE_MAX},
        {"key": "visit", "type": "date", "label": "来庁予定日"},
        {"key": "note", "type": "textarea", "label": "備考", "max_length": NOTE_MAX},
    ],
}

#: one answer, as the browser posts it (field names are ``f_<key>`` on both apps)
ANSWER = {
    "f_name": "一関 太郎",
    "f_email": "taro@example.jp",
    "f_ward": "south",
    "f_days": ["d1", "d3"],
    "f_age": "42",
    "f_visit": "2026-06-01",
    "f_note": "車いすで参加します。",
}

#: the same answer for the API (JSON, by field key)
API_ANSWER = {
    "name": "一関 太郎",
    "email": "taro@example.jp",
    "ward": "south",
    "days": ["d1", "d3"],
    "age": 42,
    "visit": "2026-06-01",
    "note": "車いすで参加します。",
}
