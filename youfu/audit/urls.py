from django.urls import path

from youfu.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_search_view, name="search"),
    path("export.csv", views.audit_export_view, name="export"),
]
