"""The visits API's input and output. Amounts are yuan strings with two decimals; coverage is a
percent with one decimal (a string, like amounts), null when there is no target to visit."""

from datetime import date
from typing import Annotated, Any

from ninja import Field, Schema

from youfu.benefits.money import money
from youfu.core.bounds import BoundedDate, Choice, Id, Money, RegionCode, ShortText, Text200
from youfu.outreach.visits.models import Visit, VisitCampaign, VisitTarget
from youfu.outreach.visits.selectors import Coverage
from youfu.registry.categories import Category

MAX_CATEGORIES = len(Category.values)


class CampaignIn(Schema):
    name: ShortText
    starts_on: BoundedDate
    ends_on: BoundedDate
    categories: list[Choice] = Field(..., min_length=1, max_length=MAX_CATEGORIES)
    region: RegionCode | None = None  # the acting user's region when left out
    min_age: Annotated[int, Field(ge=0, le=120)] | None = None  # aged at least this on starts_on


class CampaignPatch(Schema):
    name: ShortText | None = None
    ends_on: BoundedDate | None = None  # extend the campaign, or close it early


class CampaignCreatedOut(Schema):
    id: int
    targets: int


class TownshipOut(Schema):
    code: str
    name: str
    targets: int
    visited: int


class _CampaignFields(Schema):
    id: int
    name: str
    region: str
    region_name: str
    starts_on: date
    ends_on: date
    categories: list[str]
    min_age: int | None


class CampaignSummaryOut(_CampaignFields):
    """A row of the campaigns list (its coverage is on the campaign's own answer)."""

    @staticmethod
    def resolve_region(campaign: VisitCampaign) -> str:
        return str(campaign.region_id)

    @staticmethod
    def resolve_region_name(campaign: VisitCampaign) -> str:
        return campaign.region.name


class CampaignOut(_CampaignFields):
    targets: int
    visited: int
    coverage: str | None  # percent of targets visited, one decimal ("42.9"); null with no target
    by_township: list[TownshipOut]


class VisitIn(Schema):
    campaign: Id
    beneficiary: Id
    visited_on: BoundedDate
    visitors: Text200
    money: Money | None = None  # yuan
    goods: Text200 = ""


class PersonOut(Schema):
    """A target not yet visited (a row of the not-visited list)."""

    beneficiary: int
    name: str
    township: str
    township_name: str
    region: str
    region_name: str

    @staticmethod
    def resolve_beneficiary(target: VisitTarget) -> int:
        return int(target.beneficiary_id)

    @staticmethod
    def resolve_name(target: VisitTarget) -> str:
        return target.beneficiary.name

    @staticmethod
    def resolve_township(target: VisitTarget) -> str:
        return str(target.beneficiary.township_id)

    @staticmethod
    def resolve_township_name(target: VisitTarget) -> str:
        return target.beneficiary.township.name

    @staticmethod
    def resolve_region(target: VisitTarget) -> str:
        return str(target.beneficiary.region_id)

    @staticmethod
    def resolve_region_name(target: VisitTarget) -> str:
        return target.beneficiary.region.name


class VisitOut(Schema):
    id: int
    campaign: int
    campaign_name: str
    beneficiary: int
    name: str
    township: str
    township_name: str
    visited_on: date
    visitors: str
    money: str  # yuan
    goods: str

    @staticmethod
    def resolve_campaign(visit: Visit) -> int:
        return int(visit.target.campaign_id)

    @staticmethod
    def resolve_campaign_name(visit: Visit) -> str:
        return visit.target.campaign.name

    @staticmethod
    def resolve_beneficiary(visit: Visit) -> int:
        return int(visit.target.beneficiary_id)

    @staticmethod
    def resolve_name(visit: Visit) -> str:
        return visit.target.beneficiary.name

    @staticmethod
    def resolve_township(visit: Visit) -> str:
        return str(visit.target.beneficiary.township_id)

    @staticmethod
    def resolve_township_name(visit: Visit) -> str:
        return visit.target.beneficiary.township.name

    @staticmethod
    def resolve_money(visit: Visit) -> str:
        return money(visit.money_fen)


def campaign_summary(campaign: VisitCampaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "region": campaign.region_id,
        "region_name": campaign.region.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "categories": list(campaign.categories),
        "min_age": campaign.min_age,
    }


def campaign_out(campaign: VisitCampaign, coverage: Coverage) -> dict[str, Any]:
    percent = coverage.coverage
    return {
        **campaign_summary(campaign),
        "targets": coverage.targets,
        "visited": coverage.visited,
        "coverage": None if percent is None else f"{percent:.1f}",
        "by_township": [
            {"code": t.code, "name": t.name, "targets": t.targets, "visited": t.visited}
            for t in coverage.by_township
        ],
    }
