from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from youfu.core.authed import acting_user
from youfu.core.errors import InvalidInput
from youfu.core.imports import ImportRejected
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.core.views import capability_required
from youfu.regions.forms import RegionImportForm
from youfu.regions.models import Region
from youfu.regions.selectors import region_tree_for, regions_for
from youfu.regions.services import import_regions


@login_required
def region_list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    regions = region_tree_for(user).exclude(level="village")
    return render(
        request, "regions/list.html", {"regions": regions, "can_import": user.can(Capability.MANAGE_SETTINGS)}
    )


@login_required
def region_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    user = acting_user(request)
    region = get_visible_or_404(Region, user, code=code)
    children = regions_for(user).filter(parent=region)
    return render(request, "regions/detail.html", {"region": region, "children": children})


@capability_required(Capability.MANAGE_SETTINGS)
def region_import_view(request: HttpRequest) -> HttpResponse:
    form = RegionImportForm(request.POST or None, request.FILES or None)
    errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_regions(upload.read(), acting_user=acting_user(request), filename=upload.name)
        except ImportRejected as exc:
            errors = exc.errors
            form.add_error(None, str(exc.message))
        except InvalidInput as exc:
            form.add_error("file", str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "Imported %(rows)d rows: %(created)d created, %(updated)d renamed, "
                    "%(unchanged)d unchanged."
                )
                % {
                    "rows": result.rows,
                    "created": len(result.created),
                    "updated": len(result.renamed),
                    "unchanged": result.unchanged,
                },
            )
            return redirect("regions:list")
    return render(request, "regions/import.html", {"form": form, "errors": errors})
