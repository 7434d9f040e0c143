from django.urls import path

from youfu.outreach.pairing import views

app_name = "outreach_pairing"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("export.xlsx", views.export_view, name="export"),
    path("new/", views.new_view, name="new"),
    path("summary/", views.summary_view, name="summary"),
    path("summary.xlsx", views.summary_export_view, name="summary_export"),
    path("departments/<int:department_id>/", views.department_view, name="department"),
    path("<int:pairing_id>/", views.detail_view, name="detail"),
]
