"""The registry import page: upload, the report, the annotated file back, the template."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from youfu.core.authed import acting_user
from youfu.core.errors import NotFound, YoufuError
from youfu.core.imports import ImportRejected
from youfu.core.roles import Capability
from youfu.core.views import capability_required
from youfu.regions.models import RegionLevel
from youfu.regions.selectors import regions_for
from youfu.registry.importing import (
    MAX_UPLOAD_BYTES,
    import_registry,
    open_error_report,
    store_error_report,
)
from youfu.registry.template import CONTENT_TYPE, FILENAME, registry_template


class RegistryImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx, or .csv in UTF-8 or GBK)"))
    dry_run = forms.BooleanField(required=False, label=_("Dry run: check the file, import nothing"))
    update = forms.BooleanField(
        required=False,
        label=_("Update people already registered: phone and bank details, new qualifications"),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 64 MB; split it."))
        return upload


@capability_required(Capability.WRITE_REGISTRY)
def import_view(request: HttpRequest) -> HttpResponse:
    form = RegistryImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        name = upload.name or ""
        try:
            result = import_registry(
                data,
                name,
                acting_user=acting_user(request),
                dry_run=form.cleaned_data["dry_run"],
                update=form.cleaned_data["update"],
            )
        except ImportRejected as exc:
            token = store_error_report(data, name, exc, acting_user=acting_user(request))
            context.update(
                rejected=exc,
                rows=getattr(exc, "rows", None),
                errors=exc.errors,
                warnings=getattr(exc, "warnings", []),
                token=token,
                filename=name,
            )
        except YoufuError as exc:
            form.add_error("file", str(exc.message))
        else:
            context.update(result=result, warnings=result.warnings, filename=name)
    return render(request, "registry/import.html", context)


@require_GET
@capability_required(Capability.WRITE_REGISTRY)
def template_view(request: HttpRequest) -> FileResponse:
    townships = (
        regions_for(acting_user(request)).filter(level=RegionLevel.TOWNSHIP).values_list("name", flat=True)
    )
    content = registry_template(list(townships))
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=FILENAME, content_type=CONTENT_TYPE)


@require_GET
@capability_required(Capability.WRITE_REGISTRY)
def error_file_view(request: HttpRequest, token: str) -> FileResponse:
    """Only the user who uploaded the file gets it back; for anyone else it does not exist."""
    try:
        report = open_error_report(token, acting_user=acting_user(request))
    except NotFound:
        raise Http404 from None
    return FileResponse(
        report.path.open("rb"),
        as_attachment=True,
        filename=report.download_name,
        content_type=report.content_type,
    )
