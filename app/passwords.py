"""Password hashing (argon2), the rules a chosen password must meet, and generated
one-time passwords."""

from __future__ import annotations

import functools
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

_hasher = PasswordHasher()

#: the least length any setting may ask for
MIN_LENGTH = 10

#: why a chosen password is refused (see :func:`weakness`)
TOO_SHORT = "too_short"
COMMON = "common"
REPEATED = "repeated"
USERNAME = "username"
FEW_KINDS = "few_kinds"


@dataclass(frozen=True)
class Rules:
    """The office's rules for chosen passwords, on top of the fixed ones."""

    #: the least length (never below :data:`MIN_LENGTH`)
    min_length: int = MIN_LENGTH
    #: how many kinds of character (lower-case, upper-case, digits, symbols) to mix
    kinds: int = 0


def rules(config: Mapping) -> Rules:
    """The password rules set by ATSUME_PASSWORD_MIN_LENGTH and ATSUME_PASSWORD_CLASSES."""
    return Rules(
        min_length=max(MIN_LENGTH, config["ATSUME_PASSWORD_MIN_LENGTH"]),
        kinds=config["ATSUME_PASSWORD_CLASSES"],
    )


def _kinds(password: str) -> int:
    """How many kinds of character *password* mixes: lower-case, upper-case, digits and
    symbols (anything else that is not a letter or digit)."""
    return sum(
        (
            any(ch.islower() for ch in password),
            any(ch.isupper() for ch in password),
            any(ch.isdigit() for ch in password),
            any(not ch.isalnum() for ch in password),
        )
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy: tuple[PasswordHasher, str] | None = None


def _dummy_hash() -> str:
    """A hash made with today's parameters, so checking against it costs what a real check does."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash(secrets.token_urlsafe(16)))
    return _dummy[1]


def check_no_password(password: str) -> bool:
    """Spend the time of a real check (for an unknown user); always False.

    Answering an unknown user name faster than a wrong password would tell which names exist.
    """
    check_password(_dummy_hash(), password)
    return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A password for a new account, printed once."""
    return secrets.token_urlsafe(12)


@functools.cache
def _common_passwords() -> frozenset[str]:
    # The 30,000 most frequent passwords of leaked password lists, as zxcvbn ranks them.
    return frozenset(FREQUENCY_LISTS["passwords"])


def weakness(password: str, username: str = "", rules: Rules = Rules()) -> str | None:
    """Why *password* may not be chosen (one of the constants above), or None if it may."""
    if len(password) < max(MIN_LENGTH, rules.min_length):
        return TOO_SHORT
    folded = password.casefold()
    if len(set(folded)) <= 2:  # "aaaaaaaaaa", "abababababab"
        return REPEATED
    if folded in _common_passwords():
        return COMMON
    name = username.strip().casefold()
    if name and name in folded:
        rest = folded.replace(name, "")
        if not rest.strip(string.digits + string.punctuation + " "):  # "staff2024!", "staffstaff"
            return USERNAME
    if _kinds(password) < rules.kinds:
        return FEW_KINDS
    return None
