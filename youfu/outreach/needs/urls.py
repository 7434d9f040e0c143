from django.urls import path

from youfu.outreach.needs import views

app_name = "outreach_needs"

urlpatterns = [
    path("", views.rounds_view, name="rounds"),
    path("new/", views.round_new_view, name="round_new"),
    path("settings/", views.settings_view, name="settings"),
    path("rounds/<int:round_id>/", views.round_view, name="round"),
    path("rounds/<int:round_id>/no-difficulty/", views.round_check_view, name="round_check"),
    path("rounds/<int:round_id>/close/", views.round_close_view, name="round_close"),
    path("rounds/<int:round_id>/export.xlsx", views.round_export_view, name="round_export"),
    path("checks/<int:needs_check_id>/", views.check_view, name="check"),
    path("findings/", views.findings_view, name="findings"),
    path("findings/export.xlsx", views.findings_export_view, name="findings_export"),
    path("findings/<int:finding_id>/", views.finding_view, name="finding"),
]
