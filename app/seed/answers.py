"""Demo answers for the sample forms: realistic, and the same on every run.

Each sample form gets a fixed number of answers drawn from a pseudo-random generator seeded
with the form's address, so two seeded sites show the same lists, counts and charts.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator

#: (surname, reading, romaji); variant spellings (髙橋/高橋, 渡邉/渡辺 …) on purpose
SURNAMES = [
    ("佐藤", "さとう", "sato"),
    ("鈴木", "すずき", "suzuki"),
    ("高橋", "たかはし", "takahashi"),
    ("髙橋", "たかはし", "takahashi"),
    ("田中", "たなか", "tanaka"),
    ("渡辺", "わたなべ", "watanabe"),
    ("渡邉", "わたなべ", "watanabe"),
    ("伊藤", "いとう", "ito"),
    ("千葉", "ちば", "chiba"),
    ("菅原", "すがわら", "sugawara"),
    ("小野寺", "おのでら", "onodera"),
    ("阿部", "あべ", "abe"),
    ("斎藤", "さいとう", "saito"),
    ("齋藤", "さいとう", "saito"),
    ("及川", "おいかわ", "oikawa"),
    ("熊谷", "くまがい", "kumagai"),
    ("佐々木", "ささき", "sasaki"),
    ("吉田", "よしだ", "yoshida"),
    ("山崎", "やまざき", "yamazaki"),
    ("山﨑", "やまざき", "yamazaki"),
    ("菊地", "きくち", "kikuchi"),
    ("小松", "こまつ", "komatsu"),
]
GIVEN_NAMES = [
    ("太郎", "たろう", "taro"),
    ("花子", "はなこ", "hanako"),
    ("健一", "けんいち", "kenichi"),
    ("美咲", "みさき", "misaki"),
    ("大輔", "だいすけ", "daisuke"),
    ("由美", "ゆみ", "yumi"),
    ("翔太", "しょうた", "shota"),
    ("陽子", "ようこ", "yoko"),
    ("誠", "まこと", "makoto"),
    ("恵子", "けいこ", "keiko"),
    ("拓也", "たくや", "takuya"),
    ("真由美", "まゆみ", "mayumi"),
    ("和夫", "かずお", "kazuo"),
    ("さくら", "さくら", "sakura"),
]
TOWNS = ["竹山町", "大手町", "山目", "真柴", "中里", "花泉町涌津", "千厩町千厩", "大東町摺沢"]
COMMENTS = [
    "会議が多く、資料作成の時間が取れません。",
    "テレワークの日数をもう少し増やしてほしいです。",
    "繁忙期の応援体制があると助かります。",
    "庁舎の空調をもう少し調整してほしいです。",
    "研修の機会が増えてうれしいです。",
    "窓口の待ち時間を短くする工夫を全庁で共有したいです。",
    "紙の決裁を電子化してほしいです。",
    "若手が相談しやすい雰囲気があり、働きやすいです。",
]


def _person(rng: random.Random) -> tuple[str, str, str]:
    surname, surname_kana, surname_latin = rng.choice(SURNAMES)
    given, given_kana, given_latin = rng.choice(GIVEN_NAMES)
    return f"{surname} {given}", f"{surname_kana} {given_kana}", f"{given_latin}.{surname_latin}"


def _election_staff(rng: random.Random, n: int) -> dict:
    name, kana, latin = _person(rng)
    days = ["early1", "early2", "election_day", "counting"]
    return {
        "name": name,
        "furigana": kana,
        "birth_date": dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000)),
        "address": f"一関市{rng.choice(TOWNS)}{rng.randint(1, 40)}-{rng.randint(1, 20)}",
        "phone": f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        "email": f"{latin}{n}@example.jp",
        "days": sorted(rng.sample(days, rng.randint(1, 3)), key=days.index),
        "experience": rng.choices(["none", "once", "several"], weights=[5, 3, 2])[0],
        "consent": True,
    }


def _staff_survey(rng: random.Random, n: int) -> dict:
    departments = ["総務部", "企画部", "市民環境部", "保健福祉部", "商工労働部", "農林部"]
    departments += ["建設部", "上下水道部", "教育委員会", "その他"]
    return {
        "department": rng.choices(departments, weights=[6, 3, 7, 9, 3, 4, 6, 2, 5, 1])[0],
        "age_band": rng.choices(["20代以下", "30代", "40代", "50代", "60代以上"], [3, 4, 4, 3, 1])[
            0
        ],
        "overtime": rng.choices(
            ["ほとんどない", "20時間未満", "20〜45時間", "45時間を超える"], [3, 5, 3, 1]
        )[0],
        "telework": rng.choices(["利用したい", "どちらでもない", "利用したくない"], [5, 3, 2])[0],
        "satisfaction": rng.choices(["満足", "やや満足", "やや不満", "不満"], [2, 5, 3, 1])[0],
        "comment": rng.choice(COMMENTS) if rng.random() < 0.3 else "",
    }


def _event_entry(rng: random.Random, n: int) -> dict:
    name, _kana, latin = _person(rng)
    return {
        "name": name,
        "email": f"{latin}{n}@example.jp",
        "participants": rng.choices(range(1, 7), [4, 6, 3, 3, 1, 1])[0],
        "session": rng.choices(["am", "pm"], [3, 2])[0],
    }


#: sample form address -> (number of answers, one answer's values)
DEMO_ANSWERS: dict[str, tuple[int, Callable[[random.Random, int], dict]]] = {
    "senkyo-staff": (48, _election_staff),
    "shokuin-survey": (300, _staff_survey),
    "event-entry": (36, _event_entry),
}


def demo_answers(slug: str) -> Iterator[tuple[str, dict]]:
    """(idempotency token, values) of each demo answer to the sample form at *slug*."""
    count, make = DEMO_ANSWERS.get(slug, (0, None))
    rng = random.Random(f"atsume-demo-{slug}")
    for n in range(count):
        yield f"demo-{slug}-{n}", make(rng, n)
