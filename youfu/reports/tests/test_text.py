"""The summary in words: a month reads as a monthly summary, a span of years as the opening of a
year-end report; the money the banks paid is said once, with its parts, and approvals apart."""

from __future__ import annotations

from datetime import date

import pytest

from youfu.reports.selectors import summary
from youfu.reports.tests.scenario import FOUR_YEARS, NOV, NOV_DEC, build
from youfu.reports.text import chinese_number, period_label, summary_text, wan, years_spanned
from youfu.testing import World

MONTH = (
    "2026年11月，青山县共发放各类优抚资金0.96万元，发放对象6人，其中残疾抚恤金0.65万元、"
    "定期生活补助0.22万元、临时救助0.10万元。银行未能发放1笔，新增追缴0.06万元。"
    "审批临时救助1件、金额0.10万元。2个部门结对帮扶2户，开展帮扶活动2次，投入帮扶资金0.08万元。"
    "收到信访事项2件，受理1件（按期受理1件），办结0件。"
    "困难排查发现困难问题2个，解决0个，期末尚有2个正在跟进解决。"
    "截至2026年11月30日，在册优抚对象9人；期内新增1人，减少0人。"
)
YEARS = (
    "2023年至2026年，青山县四年来累计发放各类优抚资金1.94万元，发放对象7人，其中残疾抚恤金1.30万元、"
    "定期生活补助0.54万元、临时救助0.10万元；含补发以前月份待遇0.05万元。"
    "银行未能发放1笔，新增追缴0.07万元，追回0.01万元。"
    "审批临时救助2件、金额0.18万元；审批医疗补助1件、补助金额0.09万元。"
    "完成1户优抚对象住房改造，投入资金2.50万元。"
    "2个部门结对帮扶2户，开展帮扶活动3次，投入帮扶资金0.08万元。"
    "走访慰问优抚对象2人次，其中60周岁以上老年优抚对象1人次。"
    "收到信访事项2件，受理1件（按期受理1件），办结1件（按期办结1件）；评价1件，其中满意1件。"
    "困难排查发现困难问题2个，解决1个，期末尚有1个正在跟进解决。"
    "截至2026年12月31日，在册优抚对象7人；期内新增1人，减少2人。"
)


@pytest.mark.django_db
def test_a_month_and_four_years_in_words(world: World) -> None:
    build(world)
    assert summary_text(summary(world.county_clerk, *NOV, world.county)) == MONTH
    assert summary_text(summary(world.county_clerk, *FOUR_YEARS, world.county)) == YEARS
    township = summary_text(summary(world.township_clerk, *NOV_DEC, world.township_a))
    assert township.startswith("2026年11月至12月，城关镇共发放各类优抚资金0.96万元，发放对象3人")
    assert "期末均已解决" in township
    assert "东岭镇" not in township


@pytest.mark.django_db
def test_approved_relief_is_never_added_to_what_the_banks_paid(world: World) -> None:
    """乙四's 800.00 approved in December is paid in January: the paid total (1.94万元) holds only
    甲一's 1,000.00 that November's batch paid; the approvals (0.18万元) are said apart."""
    build(world)
    found = summary(world.county_clerk, *NOV_DEC, world.county)
    text = summary_text(found)
    assert found.payments.by_kind_fen["relief"] == 100_000
    assert found.relief.amount_fen == 180_000
    assert f"发放各类优抚资金{wan(found.payments.paid_total_fen)}万元" in text
    assert f"审批临时救助2件、金额{wan(found.relief.amount_fen)}万元" in text
    assert wan(found.payments.paid_total_fen + found.relief.amount_fen) not in text


def test_amounts_in_wan_yuan_round_half_up() -> None:
    assert wan(4_850_000_000) == "4850.00"
    assert wan(4_999) == "0.00"
    assert wan(5_000) == "0.01"
    assert wan(123_456_789) == "123.46"
    assert wan(0) == "0.00"


def test_periods_and_years_as_a_report_names_them() -> None:
    assert period_label(date(2026, 11, 1), date(2026, 11, 30)) == "2026年11月"
    assert period_label(date(2025, 1, 1), date(2025, 12, 31)) == "2025年"
    assert period_label(date(2022, 1, 1), date(2025, 12, 31)) == "2022年至2025年"
    assert period_label(date(2026, 1, 1), date(2026, 6, 30)) == "2026年1月至6月"
    assert period_label(date(2025, 7, 1), date(2026, 6, 30)) == "2025年7月至2026年6月"
    assert period_label(date(2026, 1, 5), date(2026, 3, 15)) == "2026年1月5日至2026年3月15日"
    assert period_label(date(2026, 3, 15), date(2026, 3, 15)) == "2026年3月15日"
    assert years_spanned(date(2022, 1, 1), date(2025, 12, 31)) == 4
    assert years_spanned(date(2025, 7, 1), date(2026, 6, 30)) == 1
    assert years_spanned(date(2026, 11, 1), date(2026, 11, 30)) == 0
    assert [chinese_number(n) for n in (2, 4, 10, 12, 20, 35)] == ["两", "四", "十", "十二", "二十", "三十五"]
