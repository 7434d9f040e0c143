"""The demo's needs records (see youfu/demo/care.py)."""

from __future__ import annotations

import random
from datetime import date

from youfu.demo.care_staff import CareStaff


def fill(staff: CareStaff, today: date, rng: random.Random) -> dict[str, int]:
    return {}
