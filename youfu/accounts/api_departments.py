"""Departments: the county bodies and township offices that handle petitions and pair
with households. ``GET/POST /api/v1/departments {name, region}``."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from youfu.accounts.models import Department, User
from youfu.accounts.services import do_create_department, find_region
from youfu.core.authed import acting_user
from youfu.core.bounds import RegionCode, ShortText
from youfu.core.errors import InvalidInput
from youfu.core.messages import Message
from youfu.core.pagination import PageNumberPagination
from youfu.core.roles import Capability, require
from youfu.core.scope import get_visible_or_404

router = Router(tags=["departments"])


class DepartmentIn(Schema):
    name: ShortText
    region: RegionCode


class DepartmentOut(Schema):
    id: int
    name: str
    region: str = Field(alias="region_id")
    region_name: str

    @staticmethod
    def resolve_region_name(obj: Department) -> str:
        return obj.region.name


def _out(department: Department) -> DepartmentOut:
    return DepartmentOut.from_orm(department)


def _departments(user: User) -> QuerySet[Department]:
    qs: QuerySet[Department] = Department.objects.visible_to(user).select_related("region")
    return qs


@router.get("", response=list[DepartmentOut])
@paginate(PageNumberPagination)
def list_departments(request: HttpRequest) -> QuerySet[Department]:
    return _departments(acting_user(request))


@router.get("/{department_id}", response=DepartmentOut)
def get_department(request: HttpRequest, department_id: int) -> DepartmentOut:
    user = acting_user(request)
    return _out(get_visible_or_404(_departments(user), user, pk=department_id))


@router.post("", response={200: DepartmentOut, 201: DepartmentOut})
def create_department(request: HttpRequest, payload: DepartmentIn) -> Status[DepartmentOut]:
    """Create a handling unit (settings: the admin). An existing one of the same name in
    the same region is returned with 200."""
    user = acting_user(request)
    require(user, Capability.MANAGE_SETTINGS)
    name = payload.name.strip()
    if not name or len(name) > 100:
        message = Message(gettext_noop("A name of 1 to 100 characters is required."))
        raise InvalidInput(message, fields={"name": message})
    region = find_region(payload.region.strip(), user)
    existed = Department.objects.filter(region=region, name=name).exists()
    department = do_create_department(name, region_code=region.code, acting_user=user)
    return Status(200 if existed else 201, _out(department))
