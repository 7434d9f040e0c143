"""The written reply (答复意见书) and the review / re-review opinions as PDF.

weasyprint is imported inside the function: it needs Pango (a system library) when it
runs, and the rest of the application must work on a machine without it. The page uses
the Noto CJK fonts (Debian's fonts-noto-cjk).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from youfu.petitions.codes import format_code
from youfu.petitions.models import Petition

KINDS = ("reply", "review", "rereview")


def reply_context(petition: Petition, kind: str) -> dict[str, Any]:
    if kind == "review":
        title, text, on = _("Review opinion"), petition.review_reply_text, petition.review_replied_on
        rights = (
            _(
                "If you do not accept this opinion, you may request a re-review in writing from the "
                "authority one level above by %(due)s (Art. 36 of the Regulations on Letters and Visits)."
            )
            % {"due": petition.rereview_request_due}
            if petition.rereview_request_due
            else ""
        )
    elif kind == "rereview":
        title, text, on = _("Re-review opinion"), petition.rereview_reply_text, petition.rereview_replied_on
        rights = _(
            "This re-review opinion is final: a petition on the same facts and reasons will not be "
            "accepted again (Art. 36 of the Regulations on Letters and Visits)."
        )
    else:
        title, text, on = _("Written reply"), petition.reply_text, petition.replied_on
        rights = (
            _(
                "If you do not accept this reply, you may request a review in writing from the "
                "authority one level above the handling unit by %(due)s (Art. 35 of the Regulations "
                "on Letters and Visits)."
            )
            % {"due": petition.review_request_due}
            if petition.review_request_due
            else ""
        )
    people = list(petition.petitioners.all())
    shown = [p for p in people if p.is_representative] or people
    names = "、".join(p.name for p in shown[:5])
    if petition.group_size > len(shown[:5]):
        names = _("%(names)s and others (%(n)d people)") % {"names": names, "n": petition.group_size}
    return {
        "title": title,
        "text": text,
        "on": on or timezone.localdate(),
        "names": names,
        "petition": petition,
        "code": format_code(petition.receipt_code),
        "unit": petition.handling_unit.name if petition.handling_unit else petition.region.name,
        "rights": rights,
    }


def render_reply_pdf(petition: Petition, kind: str = "reply", *, language: str = "zh-hans") -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped, unused-ignore]  # needs Pango at run time

    with translation.override(language):
        html = render_to_string("petitions/reply_pdf.html", reply_context(petition, kind))
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
