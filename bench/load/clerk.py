"""What a load-test clerk reads from youfu's pages and fills in, without locust: the locustfile
drives it, and ``youfu/petitions/tests/test_load_clerk.py`` checks it against the real pages."""

# Random draws of a load test, not secrets.
# ruff: noqa: S311

from __future__ import annotations

import random
import re
from datetime import date
from typing import Any

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PERSON_LINK = re.compile(r'href="/registry/(\d+)/"')
PETITION_PAGE = re.compile(r"^(?:https?://[^/]+)?/petitions/(\d+)/$")
REPEAT_CANDIDATES = 'data-testid="repeat-candidates"'
CATEGORIES = ("benefits", "medical", "housing", "placement", "pension", "other")
CHANNELS = ("letter", "visit", "phone")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国"
FLOOR_PATH = "/static/youfu/youfu.css"


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise ValueError("no CSRF token in the page")
    return match.group(1)


def person_ids(html: str) -> list[int]:
    """The people a search's results page links to."""
    return [int(m) for m in PERSON_LINK.findall(html)]


def api_person_ids(body: dict[str, Any]) -> list[int]:
    """The people of an API search's page (``{"count", "results": [{"id", ...}]}``)."""
    return [int(p["id"]) for p in body.get("results", [])]


def registered_petition(status: int, location: str) -> int | None:
    """The new petition's id when the register post redirected to its page, else None."""
    match = PETITION_PAGE.match(location) if status == 302 else None
    return int(match.group(1)) if match else None


def petition_payload(token: str, region: str, serial: int, today: date | None = None) -> dict[str, str]:
    """The register form as a clerk fills it in: one petitioner with a name and a phone number.
    No decision: the form offers likely repeats first, as it does at the counter."""
    rnd = random.Random(serial)
    name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
    return {
        "csrfmiddlewaretoken": token,
        "channel": rnd.choice(CHANNELS),
        "received_on": (today or date.today()).isoformat(),
        "category": rnd.choice(CATEGORIES),
        "region": region,
        "subject": f"负载测试来信 {serial}",
        "content": "负载测试登记的信访事项（bench/bench_load.py），询问优抚待遇的发放时间。",
        "group_size": "1",
        "referred_by": "",
        "reception": "",
        "name_0": name,
        "phone_0": f"139{rnd.randrange(10**8):08d}",
        "id_number_0": "",
    }
