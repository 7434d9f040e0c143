"""The banks benefits are paid through, and the names clerks write for them.

``banks.csv`` beside this module is the maintained list: one bank a row, its full name and
its short names and aliases separated by ``|``. A county whose beneficiaries bank with a
bank not on it adds a row there (a reviewed change, like any code).

What people write is folded onto one of these names: "农行城关支行" and "中国农业银行青山县
支行" are 中国农业银行; "青山县农村信用合作联社" is 农村商业银行 (the rural co-operative
banks and credit unions are one kind for the bureau, whatever each county's is called).
The bank file for each bank is made from these names, so a name that is not on the list
is refused where people are registered rather than guessed at.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from youfu.core.text import compact

# What may follow a bank's name: a branch, an office, a sub-branch of a sub-branch.
_BRANCH = re.compile(
    r"(总行|分行|支行|营业部|营业室|分理处|储蓄所|营业所|网点|分社|支社|信用社|信用分社|办事处|"
    r"股份有限公司|有限责任公司|有限公司)$"
)
# Names long enough to be found inside a longer text ("青山县农村商业银行", "安徽工商银行"):
# short ones (工行, 中行) only count at the start, where they cannot be part of a place name.
_MIN_INSIDE = 3


@dataclass(frozen=True)
class Bank:
    name: str
    aliases: tuple[str, ...]


@cache
def banks() -> tuple[Bank, ...]:
    path = Path(__file__).with_name("banks.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(
        Bank(
            row["名称"].strip(),
            tuple(a.strip() for a in (row["简称及别名"] or "").split("|") if a.strip()),
        )
        for row in rows
    )


@cache
def _names() -> list[tuple[str, str]]:
    """(written form folded, bank name), longest forms first so 中国农业银行 wins over 农行."""
    pairs = []
    for bank in banks():
        for form in (bank.name, *bank.aliases):
            pairs.append((_fold(form), bank.name))
    return sorted(pairs, key=lambda p: -len(p[0]))


def _fold(text: object) -> str:
    return compact(text).upper().replace("（", "(").replace("）", ")")


def bank_names() -> list[str]:
    return [b.name for b in banks()]


def normalize_bank(text: object) -> str | None:
    """The listed bank that ``text`` names, or None when it names none (or is blank)."""
    folded = re.sub(r"\(.*?\)", "", _fold(text))
    if not folded:
        return None
    names = _names()
    for form, name in names:
        if folded == form:
            return name
    # A listed name followed by a branch: 农行城关支行, 中国邮政储蓄银行青山县营业所.
    for form, name in names:
        if folded.startswith(form) and _BRANCH.search(folded[len(form) :]):
            return name
    # A place before the name: 青山县农村商业银行城关支行, 安徽青山农商银行. The earliest
    # match wins, then the longest, so a branch's own words never decide.
    found: tuple[int, int, str] | None = None
    for form, name in names:
        if len(form) < _MIN_INSIDE:
            continue
        at = folded.find(form)
        if at < 0:
            continue
        rest = folded[at + len(form) :]
        if rest and not _BRANCH.search(rest):
            continue
        key = (at, -len(form), name)
        if found is None or key < found:
            found = key
    return found[2] if found else None


def bank_key(text: str) -> str:
    """The bank a stored name belongs to, for grouping lines: the listed bank, or the text
    itself when an old record names a bank not on the list (never lost, never merged)."""
    return normalize_bank(text) or " ".join(text.split())
