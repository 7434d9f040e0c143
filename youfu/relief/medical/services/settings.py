"""The medical top-up's settings: target, yearly cap, eligible categories. A leader changes
them, which is itself the approval; each change is a new ``MedicalSettings`` row (history),
audited as MEDICAL_SETTINGS_CHANGED. Claims keep the values in force when they were entered."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from youfu.audit.events import EventType
from youfu.audit.services import record_event
from youfu.benefits.money import money, to_fen, yuan
from youfu.core.bounds import MAX_AMOUNT
from youfu.core.errors import InvalidInput, PermissionDenied
from youfu.core.messages import Message
from youfu.core.roles import Capability, require
from youfu.regions.models import Region, RegionLevel
from youfu.registry.categories import PRIORITY_CATEGORIES, Category
from youfu.relief.medical.models import BP_SCALE, MedicalSettings
from youfu.relief.medical.rules import percent_to_bp

if TYPE_CHECKING:
    from youfu.accounts.models import User

DEFAULT_TARGET_BP = 9000  # 90%
DEFAULT_YEAR_CAP_FEN = 2_000_000  # 20,000 yuan
# Who may claim: people holding a regular benefit. The choice is among those categories.
CATEGORY_CHOICES: tuple[str, ...] = tuple(c.value for c in Category if c in PRIORITY_CATEGORIES)
DEFAULT_CATEGORIES: tuple[str, ...] = CATEGORY_CHOICES


@dataclass(frozen=True)
class RuleSettings:
    target_bp: int
    year_cap_fen: int
    categories: tuple[str, ...]
    row: MedicalSettings | None  # None: the defaults, never changed

    @property
    def target_percent(self) -> Decimal:
        return (Decimal(self.target_bp) / 100).quantize(Decimal("0.01"))

    @property
    def year_cap(self) -> Decimal:
        return yuan(self.year_cap_fen)

    def category_labels(self) -> list[str]:
        return [str(Category(c).label) for c in self.categories]

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": f"{self.target_percent:.2f}",
            "year_cap": money(self.year_cap_fen),
            "categories": list(self.categories),
            "set_at": self.row.set_at.isoformat() if self.row else None,
            "set_by": self.row.set_by.username if self.row else None,
        }


def _from_row(row: MedicalSettings | None) -> RuleSettings:
    if row is None:
        return RuleSettings(DEFAULT_TARGET_BP, DEFAULT_YEAR_CAP_FEN, DEFAULT_CATEGORIES, None)
    kept = tuple(c for c in CATEGORY_CHOICES if c in row.categories)
    return RuleSettings(row.target_bp, row.year_cap_fen, kept, row)


def county_code(region_code: str | None) -> str:
    """The code of the county a region lies in (its first six digits)."""
    return (region_code or "")[:6].ljust(12, "0")


def settings_in_force(county: str) -> RuleSettings:
    """The settings in force in ``county`` (a county code; ``county_code`` of any region in it)."""
    return _from_row(settings_history(county).first())


def settings_history(county: str) -> QuerySet[MedicalSettings]:
    return (
        MedicalSettings.objects.filter(county_id=county_code(county))
        .select_related("set_by")
        .order_by("-set_at", "-pk")
    )


def parse_target(value: object) -> int:
    """ "90", "90%", "85.5" → basis points; above 0 and at most 100, two decimals at most."""
    raw = str(value if value is not None else "").strip().removesuffix("%").strip()
    try:
        percent = Decimal(raw)
    except (InvalidOperation, ValueError):
        percent = Decimal("NaN")
    if not percent.is_finite() or percent != percent.quantize(Decimal("0.01")) or not 0 < percent <= 100:
        raise InvalidInput(
            Message(
                gettext_noop(
                    "The target is a percentage above 0 and at most 100, such as 90; not %(value)s."
                ),
                {"value": raw},
            ),
            code="invalid_target",
            fields={"target": gettext_noop("above 0, at most 100")},
        )
    return percent_to_bp(percent)


def parse_year_cap(value: object) -> int:
    raw = str(value if value is not None else "").replace(",", "").strip()
    try:
        amount = Decimal(raw)
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) or not 0 < amount <= MAX_AMOUNT:
        raise InvalidInput(
            Message(
                gettext_noop("The yearly cap is an amount in yuan above 0, such as 20000; not %(value)s."),
                {"value": raw},
            ),
            code="invalid_year_cap",
            fields={"year_cap": gettext_noop("above 0, at most 999999.99")},
        )
    return to_fen(amount)


def parse_categories(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    chosen = {str(v).strip() for v in values if str(v).strip()}
    unknown = sorted(chosen - set(CATEGORY_CHOICES))
    if unknown or not chosen:
        raise InvalidInput(
            Message(
                gettext_noop(
                    "Choose at least one category holding a regular benefit; not one of them: %(values)s."
                ),
                {"values": ", ".join(unknown) or "—"},
            ),
            code="invalid_categories",
            fields={"categories": gettext_noop("categories with a regular benefit")},
        )
    return tuple(c for c in CATEGORY_CHOICES if c in chosen)


def do_change_medical_settings(
    *,
    acting_user: User,
    target_bp: int | None = None,
    year_cap_fen: int | None = None,
    categories: tuple[str, ...] | None = None,
) -> RuleSettings:
    """A county leader sets the target, the yearly cap or the eligible categories. Nothing
    given, or nothing different: nothing is written and the settings in force are returned."""
    require(acting_user, Capability.APPROVE)
    if acting_user.region is None or acting_user.region.level != RegionLevel.COUNTY:
        raise PermissionDenied(Message(gettext_noop("Only a county leader sets the medical top-up.")))
    if target_bp is not None and not 0 < target_bp <= BP_SCALE:
        raise InvalidInput(
            Message(gettext_noop("The target is above 0 and at most 100%%.")), code="invalid_target"
        )
    if year_cap_fen is not None and year_cap_fen <= 0:
        raise InvalidInput(Message(gettext_noop("The yearly cap is above 0.")), code="invalid_year_cap")
    if categories is not None:
        categories = parse_categories(categories)
    with transaction.atomic():
        county: Region = acting_user.region
        # The county's row is the lock: two leaders at once are written one after the other.
        Region.objects.select_for_update().filter(pk=county.pk).first()
        current = settings_in_force(county.code)
        new = RuleSettings(
            target_bp if target_bp is not None else current.target_bp,
            year_cap_fen if year_cap_fen is not None else current.year_cap_fen,
            categories if categories is not None else current.categories,
            None,
        )
        if (new.target_bp, new.year_cap_fen, new.categories) == (
            current.target_bp,
            current.year_cap_fen,
            current.categories,
        ):
            return current
        row = MedicalSettings.objects.create(
            county=county,
            target_bp=new.target_bp,
            year_cap_fen=new.year_cap_fen,
            categories=list(new.categories),
            set_by=acting_user,
        )
        record_event(
            EventType.MEDICAL_SETTINGS_CHANGED,
            actor=acting_user,
            region=county,
            obj=row,
            old=_audited(current),
            new=_audited(new),
        )
    return _from_row(row)


def _audited(s: RuleSettings) -> dict[str, Any]:
    return {
        "target": f"{s.target_percent:.2f}",
        "year_cap": money(s.year_cap_fen),
        "categories": list(s.categories),
    }
