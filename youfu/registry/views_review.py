from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from youfu.core.authed import acting_user
from youfu.core.errors import Conflict, InvalidInput
from youfu.core.roles import Capability
from youfu.core.scope import get_visible_or_404
from youfu.core.views import capability_required
from youfu.registry.models import ReviewItem, ReviewStatus
from youfu.registry.reviews import (
    do_confirm_review_items,
    do_open_annual_review,
    do_suspend_unconfirmed,
    items_for,
    progress_by_township,
    reviews_for,
)


@capability_required(Capability.READ_PERSONAL_DATA)
def review_list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if request.method == "POST":
        if not user.can(Capability.WRITE_REGISTRY):
            return HttpResponse(status=403)
        try:
            year = int(request.POST.get("year", ""))
            review = do_open_annual_review(year, acting_user=user)
        except ValueError:
            messages.error(request, _("Enter a year."))
        except (InvalidInput, Conflict) as exc:
            messages.error(request, str(exc.message))
        else:
            return redirect("registry:review_detail", review_id=review.pk)
    return render(
        request,
        "registry/review_list.html",
        {
            "reviews": reviews_for(user),
            "this_year": timezone.localdate().year,
            "can_open": user.can(Capability.WRITE_REGISTRY)
            and user.region is not None
            and user.region.level == "county",
        },
    )


@capability_required(Capability.READ_PERSONAL_DATA)
def review_detail_view(request: HttpRequest, review_id: int) -> HttpResponse:
    user = acting_user(request)
    review = get_visible_or_404(reviews_for(user), user, pk=review_id)
    status = request.GET.get("status", ReviewStatus.PENDING)
    township = request.GET.get("township", "")
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("item") if i.isdigit()]
        try:
            count = do_confirm_review_items(review, ids, acting_user=user)
        except Conflict as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("%(count)d confirmed.") % {"count": count})
        return redirect(request.get_full_path())
    page = Paginator(items_for(review, user, status=status, township=township), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "registry/review_detail.html",
        {
            "review": review,
            "progress": progress_by_township(review, user),
            "page": page,
            "status": status,
            "township": township,
            "statuses": ReviewStatus.choices,
            "can_write": user.can(Capability.WRITE_REGISTRY),
        },
    )


@require_POST
@capability_required(Capability.WRITE_REGISTRY)
def review_suspend_view(request: HttpRequest, review_id: int, item_id: int) -> HttpResponse:
    user = acting_user(request)
    item = get_visible_or_404(
        ReviewItem.objects.select_related("review", "qualification__beneficiary"),
        user,
        pk=item_id,
        review_id=review_id,
    )
    try:
        effective_on = date.fromisoformat(request.POST.get("effective_on", ""))
        do_suspend_unconfirmed(
            item, acting_user=user, effective_on=effective_on, reason=request.POST.get("reason", "")
        )
    except ValueError:
        messages.error(request, _("Enter the date the suspension takes effect."))
    except (InvalidInput, Conflict) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("%(name)s was suspended.") % {"name": item.qualification.beneficiary.name}
        )
    return redirect("registry:review_detail", review_id=review_id)
