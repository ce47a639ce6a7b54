"""Japanese eras (元号): reading dates written as 令和8年4月1日 or R8.4.1, and showing them.

The eras since the calendar became Gregorian. Year 1 of an era is written 元年 or 1年; a
date outside its era (平成32年, 令和1年4月1日) does not exist and is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from builder.normalise import nfkc


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    first_day: dt.date


ERAS = (
    Era("令和", "R", dt.date(2019, 5, 1)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
    Era("大正", "T", dt.date(1912, 7, 30)),
    Era("明治", "M", dt.date(1873, 1, 1)),  # Gregorian dates from 明治6年
)
_BY_NAME = {era.name: era for era in ERAS} | {era.letter: era for era in ERAS}
_NEXT = {ERAS[i]: ERAS[i - 1] for i in range(1, len(ERAS))}

# 令和8年4月1日, 令和元年5月1日, R8.4.1, R8/4/1, R8-4-1, 令和8.4.1 (after NFKC; letters any case)
_ERA_DATE = re.compile(
    r"\A(令和|平成|昭和|大正|明治|[RHSTM])\s*(元|\d{1,2})\s*(?:年|[./-])\s*(\d{1,2})\s*(?:月|[./-])"
    r"\s*(\d{1,2})\s*日?\Z",
    re.IGNORECASE,
)


class NotADate(ValueError):
    """The text is an era date that does not exist (or is not an era date at all)."""


def parse_era_date(text: str) -> dt.date | None:
    """The date of an era-written *text*; None if it is not written with an era.

    Raises NotADate for an era date that does not exist (平成32年1月1日, 2月30日).
    """
    match = _ERA_DATE.match(nfkc(text or ""))
    if not match:
        return None
    name, year, month, day = match.groups()
    era = _BY_NAME[name.upper() if len(name) == 1 else name]
    era_year = 1 if year == "元" else int(year)
    if era_year < 1:
        raise NotADate(text)
    try:
        date = dt.date(era.first_day.year + era_year - 1, int(month), int(day))
    except ValueError:
        raise NotADate(text) from None
    following = _NEXT.get(era)
    if date < era.first_day or (following and date >= following.first_day):
        raise NotADate(text)
    return date


def era_of(date: dt.date) -> tuple[Era, int] | None:
    """The era of *date* and the year within it (None before 明治6年)."""
    for era in ERAS:
        if date >= era.first_day:
            return era, date.year - era.first_day.year + 1
    return None


def era_year_text(date: dt.date) -> str:
    """令和8年, 令和元年 … for *date* ("" before the eras this module knows)."""
    found = era_of(date)
    if found is None:
        return ""
    era, year = found
    return f"{era.name}{'元' if year == 1 else year}年"
