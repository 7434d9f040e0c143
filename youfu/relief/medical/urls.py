from django.urls import path

from youfu.relief.medical import views

app_name = "relief_medical"

urlpatterns = [
    path("", views.claims_view, name="claims"),
    path("export/", views.claims_export_view, name="claims_export"),
    path("claims/new/", views.claim_new_view, name="claim_new"),
    path("claims/preview/", views.claim_preview_view, name="claim_preview"),
    path("claims/<int:claim_id>/", views.claim_detail_view, name="claim_detail"),
    path("premiums/", views.premiums_view, name="premiums"),
    path("premiums/export/", views.premiums_export_view, name="premiums_export"),
    path("outpatient/", views.outpatient_view, name="outpatient"),
    path("outpatient/export/", views.outpatient_export_view, name="outpatient_export"),
    path("outpatient/new/", views.outpatient_new_view, name="outpatient_new"),
    path("totals/", views.totals_view, name="totals"),
    path("totals/export/", views.totals_export_view, name="totals_export"),
    path("settings/", views.settings_view, name="settings"),
]
