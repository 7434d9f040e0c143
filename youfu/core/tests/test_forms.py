"""The shared form fields say what is wrong in the user's terms."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import translation

from youfu.core.forms import amount_field


class Amount(forms.Form):
    amount = amount_field("amount")
    gift = amount_field("gift", required=False, minimum=Decimal("0"), maximum=Decimal("500"))


def errors(**data: str) -> dict[str, list[str]]:
    with translation.override("zh-hans"):
        form = Amount(data)
        form.is_valid()
        return {k: [str(m) for m in v] for k, v in form.errors.items()}


def test_an_amount_is_yuan_with_fen_within_its_limits() -> None:
    assert errors(amount="1200.50", gift="0") == {}
    assert errors(amount="999999999999") == {"amount": ["金额不能超过 999999.99 元。"]}
    assert errors(amount="0") == {"amount": ["金额不能少于 0.01 元。"]}
    assert errors(amount="1.005") == {"amount": ["金额以元为单位，最多两位小数（到分）。"]}
    assert errors(amount="一千") == {"amount": ["请输入以元为单位的金额，例如 1200.50。"]}
    assert errors(amount="10", gift="500.01") == {"gift": ["金额不能超过 500 元。"]}
