"""Variant kanji (異体字) that people treat as the same in names: 髙橋 is found by 高橋.

Text searches compare through this table so that a clerk typing the common form finds
what a citizen typed in the variant form, and back. The table keeps the pairs common in
names and addresses only; a wider relation (such as 崎 and 埼, or 斉 and 斎, which are
different characters) would find other people. The first character of a group is the one
the others fold to.
"""

from __future__ import annotations

import itertools

import sqlalchemy as sa

#: each string is one group of variants; the first is the common form
VARIANT_GROUPS = (
    "高髙",
    "崎﨑嵜碕",
    "吉𠮷",
    "辺邊邉",
    "斉齊",
    "斎齋",
    "沢澤",
    "島嶋嶌",
    "浜濱濵",
    "桜櫻",
    "竜龍",
    "国國圀",
    "広廣",
    "恵惠",
    "真眞",
    "徳德",
    "富冨",
    "実實",
    "蔵藏",
    "条條",
    "瀬瀨",
    "槙槇",
    "桑桒",
    "野埜",
    "橋槗",
    "柳栁",
    "館舘",
    "関關",
    # compatibility ideographs, which look the same and come from older systems
    "塚\ufa10",
    "神\ufa19",
    "祐\ufa4f",
    "福\ufa1b",
    "隆\uf9dc",
    "寿壽",
    "栄榮",
    "豊豐",
    "黒黑",
    "万萬",
    "与與",
    "来來",
    "曽曾",
    "渋澁",
    "増增",
    "弥彌",
    "緑綠",
    "亜亞",
    "学學",
    "円圓",
    "会會",
    "衛衞",
    "穂穗",
    "峰峯",
    "岳嶽",
    "桧檜",
    "児兒",
    "荘莊",
    "遥遙",
    "聡聰",
    "礼禮",
    "譲讓",
    "鉄鐵",
    "壮壯",
    "晋晉",
    "渕淵",
    "篭籠",
    "鴎鷗",
    "凜凛",
    "邨村",
)

_COMMON: dict[str, str] = {}
_GROUP: dict[str, str] = {}
for _group in VARIANT_GROUPS:
    for _char in _group:
        if _char in _COMMON:
            raise ValueError(f"{_char} is in two variant groups")
        _COMMON[_char], _GROUP[_char] = _group[0], _group

#: how many spellings an exact match lists before comparing folded text instead
SPELLING_LIMIT = 32


def fold(text: str) -> str:
    """*text* with each variant replaced by its common form (高橋 for 髙橋)."""
    return "".join(_COMMON.get(char, char) for char in text)


def spellings(text: str, limit: int = SPELLING_LIMIT) -> list[str] | None:
    """Every spelling of *text* through the variant groups (*text* first), or None when
    there would be more than *limit*."""
    choices = [_GROUP.get(char, char) for char in text]
    count = 1
    for choice in choices:
        count *= len(choice)
        if count > limit:
            return None
    found = ["".join(chars) for chars in itertools.product(*choices)]
    return [text] + [spelling for spelling in found if spelling != text]


def folded_column(column, text: str):
    """SQL for *column* with the variants of the characters in *text* folded.

    Only the groups *text* uses are folded, so a search costs a few REPLACE calls per row,
    the same on SQLite and PostgreSQL.
    """
    expression = column
    for char in dict.fromkeys(text):
        for variant in _GROUP.get(char, "")[1:]:
            expression = sa.func.replace(expression, variant, _GROUP[char][0])
    return expression


def equals(column, text: str):
    """*column* equals *text* in any variant spelling (an indexed IN list when short)."""
    listed = spellings(text)
    if listed is None:
        return folded_column(column, text) == fold(text)
    return column == text if len(listed) == 1 else column.in_(listed)


def contains(column, text: str):
    """*column* contains *text* in any variant spelling (LIKE, with wildcards escaped)."""
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return folded_column(column, text).like(f"%{escaped}%", escape="\\")
