"""The summary in words: the sentences a report opens with, generated from the figures.

The text is Chinese, as the bureau's reports are (the figures' names stay translatable on the
page; the sentences are the report's own text, as a bank file's 摘要 is). Amounts are in 万元 to
two decimals, rounded half-up. Each sum of money is said once: what the banks paid (regular
benefits, lump sums, and the relief and medical money they carried) is one total with its
parts; the relief grants and medical claims approved in the period are said as approvals, never
added to it.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from youfu.benefits.models import CHINESE_BENEFIT, PaymentBenefit
from youfu.reports.selectors import ELDERLY_AGE, Summary

FEN_PER_WAN = Decimal(1_000_000)
CENT = Decimal("0.01")

# The parts of the paid total, in the order a report names them.
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (CHINESE_BENEFIT[PaymentBenefit.DISABILITY_PENSION], (PaymentBenefit.DISABILITY_PENSION,)),
    (CHINESE_BENEFIT[PaymentBenefit.SURVIVOR_PENSION], (PaymentBenefit.SURVIVOR_PENSION,)),
    (CHINESE_BENEFIT[PaymentBenefit.LIVING_SUBSIDY], (PaymentBenefit.LIVING_SUBSIDY,)),
    (
        CHINESE_BENEFIT[PaymentBenefit.CONSCRIPT_FAMILY_ALLOWANCE],
        (PaymentBenefit.CONSCRIPT_FAMILY_ALLOWANCE,),
    ),
    (
        "一次性抚恤金",
        (
            PaymentBenefit.LUMP_SUM_DISABILITY_PENSION,
            PaymentBenefit.LUMP_SUM_SURVIVOR_PENSION,
            PaymentBenefit.LUMP_SUM_LIVING_SUBSIDY,
        ),
    ),
    (CHINESE_BENEFIT[PaymentBenefit.RELIEF], (PaymentBenefit.RELIEF,)),
    (CHINESE_BENEFIT[PaymentBenefit.MEDICAL], (PaymentBenefit.MEDICAL,)),
)

_DIGITS = "零一二三四五六七八九"


def wan(fen: int) -> str:
    """Fen as 万元 with two decimals: 48_500_000_00 fen → "4850.00"."""
    return str((Decimal(fen) / FEN_PER_WAN).quantize(CENT, rounding=ROUND_HALF_UP))


def chinese_number(n: int) -> str:
    """1–99 in words as a count of years reads: 两, 四, 十二, 二十."""
    if n == 2:
        return "两"
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if ones == 0 else _DIGITS[ones])


def _last_of_month(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def period_label(start: date, end: date) -> str:
    """2026年11月 · 2025年 · 2022年至2025年 · 2026年1月至6月 · 2026年1月5日至2026年3月15日."""
    if start == end:
        return f"{start.year}年{start.month}月{start.day}日"
    if start.day == 1 and _last_of_month(end):
        if start.month == 1 and end.month == 12:
            return f"{start.year}年" if start.year == end.year else f"{start.year}年至{end.year}年"
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.year}年{start.month}月"
        if start.year == end.year:
            return f"{start.year}年{start.month}月至{end.month}月"
        return f"{start.year}年{start.month}月至{end.year}年{end.month}月"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def years_spanned(start: date, end: date) -> int:
    """The period's length in whole years, rounded: 2022-01-01 to 2025-12-31 is four."""
    return round(((end - start).days + 1) / 365.25)


def _parts(by_benefit: dict[str, int]) -> str:
    named = []
    for name, members in PARTS:
        fen = sum(by_benefit.get(b, 0) for b in members)
        if fen:
            named.append(f"{name}{wan(fen)}万元")
    return "、".join(named)


def _payments(s: Summary, opening: str, years: int) -> str:
    p = s.payments
    if not p.paid_total_fen:
        return f"{opening}未发放优抚资金。"
    verb = f"{chinese_number(years)}年来累计发放" if years >= 2 else "共发放"
    text = f"{opening}{verb}各类优抚资金{wan(p.paid_total_fen)}万元，发放对象{p.persons_paid}人"
    parts = _parts(p.by_benefit_fen)
    if parts:
        text += f"，其中{parts}"
    if p.arrears_total_fen:
        text += f"；含补发以前月份待遇{wan(p.arrears_total_fen)}万元"
    text += "。"
    after = []
    if p.failed_lines:
        after.append(f"银行未能发放{p.failed_lines}笔")
    if p.recoveries_raised_fen:
        after.append(f"新增追缴{wan(p.recoveries_raised_fen)}万元")
    if p.recoveries_settled_fen:
        after.append(f"追回{wan(p.recoveries_settled_fen)}万元")
    if after:
        text += "，".join(after) + "。"
    return text


def _care(s: Summary) -> list[str]:
    sentences = []
    approvals = []
    if s.relief.grants:
        approvals.append(f"审批临时救助{s.relief.grants}件、金额{wan(s.relief.amount_fen)}万元")
    if s.medical.claims:
        approvals.append(f"审批医疗补助{s.medical.claims}件、补助金额{wan(s.medical.subsidy_fen)}万元")
    if approvals:
        sentences.append("；".join(approvals) + "。")
    h = s.housing
    if h.cases_completed:
        sentences.append(f"完成{h.households}户优抚对象住房改造，投入资金{wan(h.amount_fen)}万元。")
    elif h.amount_fen:
        sentences.append(f"投入住房改造资金{wan(h.amount_fen)}万元。")
    pr = s.pairing
    if pr.activities:
        sentence = f"{pr.departments}个部门结对帮扶{pr.households}户，开展帮扶活动{pr.activities}次"
        if pr.amount_fen:
            sentence += f"，投入帮扶资金{wan(pr.amount_fen)}万元"
        sentences.append(sentence + "。")
    v = s.visits
    if v.visited:
        elderly = f"，其中{ELDERLY_AGE}周岁以上老年优抚对象{v.elderly}人次" if v.elderly else ""
        sentences.append(f"走访慰问优抚对象{v.visited}人次{elderly}。")
    return sentences


def _petitions(s: Summary) -> str:
    pt = s.petitions
    if not (pt.received or pt.accepted or pt.concluded):
        return ""
    text = f"收到信访事项{pt.received}件，受理{pt.accepted}件"
    if pt.accepted:
        text += f"（按期受理{pt.accepted_on_time}件）"
    text += f"，办结{pt.concluded}件"
    if pt.concluded:
        text += f"（按期办结{pt.concluded_on_time}件）"
    rated = pt.satisfied + pt.basically_satisfied + pt.dissatisfied
    if rated:
        views = (("满意", pt.satisfied), ("基本满意", pt.basically_satisfied), ("不满意", pt.dissatisfied))
        text += f"；评价{rated}件，其中" + "、".join(f"{name}{n}件" for name, n in views if n)
    return text + "。"


def _needs(s: Summary) -> str:
    n = s.needs_checks
    if not (n.found or n.solved or n.open):
        return ""
    text = f"困难排查发现困难问题{n.found}个，解决{n.solved}个"
    return text + (f"，期末尚有{n.open}个正在跟进解决。" if n.open else "，期末均已解决。")


def _registry(s: Summary) -> str:
    r = s.registry
    end = s.end
    text = f"截至{end.year}年{end.month}月{end.day}日，在册优抚对象{r.persons}人"
    if r.added or r.ended:
        text += f"；期内新增{r.added}人，减少{r.ended}人"
    return text + "。"


def summary_text(s: Summary) -> str:
    """The report's opening: over several years it reads "四年来累计发放各类优抚资金…万元…"."""
    years = years_spanned(s.start, s.end)
    opening = f"{period_label(s.start, s.end)}，{s.region.name}"
    sentences = [_payments(s, opening, years), *_care(s), _petitions(s), _needs(s), _registry(s)]
    return "".join(part for part in sentences if part)
