from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from youfu.core.authed import acting_user
from youfu.core.bounds import Choice, RegionCode
from youfu.core.pagination import PageNumberPagination
from youfu.core.scope import get_visible_or_404
from youfu.regions.models import Region
from youfu.regions.selectors import regions_for
from youfu.regions.services import import_regions

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None = Field(None, alias="parent_id")


class RegionImportOut(Schema):
    ok: bool
    rows: int
    created: int
    updated: int
    unchanged: int


@router.get("", response=list[RegionOut])
@paginate(PageNumberPagination)
def list_regions(
    request: HttpRequest, level: Choice | None = None, parent: RegionCode | None = None
) -> QuerySet[Region]:
    qs = regions_for(acting_user(request))
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent_id=parent)
    return qs


@router.post("/imports", response=RegionImportOut)
def import_regions_file(request: HttpRequest, file: File[UploadedFile]) -> dict[str, object]:
    """Upload a CSV (code,name,parent_code,level). All or nothing: 400 with the rows' errors."""
    result = import_regions(file.read(), acting_user=acting_user(request), filename=file.name or "")
    return result.as_dict()


# After /imports: ninja routes a path by the first pattern it matches, and /{code} (GET only)
# would take /imports and answer its POST with 405.
@router.get("/{code}", response=RegionOut)
def get_region(request: HttpRequest, code: str) -> Region:
    return get_visible_or_404(Region, acting_user(request), code=code)
