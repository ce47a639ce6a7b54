"""The office's password rules: a longer least length and mixed kinds of character,
checked with the fixed rules and shown in the hint."""

from __future__ import annotations

import pytest

from app import create_app
from app.passwords import FEW_KINDS, TOO_SHORT, Rules, weakness
from tests.conftest import PASSWORD


def _change(client, new):
    data = {"current": PASSWORD, "new": new, "repeat": new}
    return client.post("/staff/account/password", data=data)


@pytest.mark.parametrize("overrides", [{"ATSUME_PASSWORD_MIN_LENGTH": 14}])
def test_a_longer_least_length(staff_client):
    page = staff_client.get("/staff/account/password").get_data(as_text=True)
    assert "14文字以上" in page
    refused = _change(staff_client, "Tall grass 12")  # 13 characters
    assert refused.status_code == 422
    assert "14文字以上" in refused.get_data(as_text=True)
    assert _change(staff_client, "Tall grass 1234").status_code == 302


@pytest.mark.parametrize("overrides", [{"ATSUME_PASSWORD_CLASSES": 3}])
def test_mixed_kinds_of_character(staff_client):
    hint = "英小文字・英大文字・数字・記号のうち3種類以上を組み合わせてください。"
    assert hint in staff_client.get("/staff/account/password").get_data(as_text=True)
    refused = _change(staff_client, "purple elephant dances")  # lower-case and spaces
    assert refused.status_code == 422
    assert f'id="new-error">{hint}' in refused.get_data(as_text=True)
    assert _change(staff_client, "Purple elephant dances").status_code == 302


def test_the_rules_never_go_below_the_fixed_ones():
    assert weakness("Ab1!efghi", rules=Rules(min_length=4)) == TOO_SHORT
    assert weakness("Abcdefghijk", rules=Rules(kinds=3)) == FEW_KINDS
    assert weakness("Abcdefghij1", rules=Rules(kinds=3)) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ATSUME_PASSWORD_MIN_LENGTH", "8"),
        ("ATSUME_PASSWORD_MIN_LENGTH", "ten"),
        ("ATSUME_PASSWORD_CLASSES", "5"),
    ],
)
def test_a_bad_password_setting_stops_start_up(app_config, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        create_app(app_config)
