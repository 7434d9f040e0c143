from django.urls import path

from youfu.relief.grants import views

app_name = "relief_grants"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("export.xlsx", views.export_view, name="export"),
    path("new/", views.new_view, name="new"),
    path("settings/", views.settings_view, name="settings"),
    path("<int:relief_id>/", views.detail_view, name="detail"),
    path("<int:relief_id>/documents/", views.documents_view, name="documents"),
    path("<int:relief_id>/documents/<int:relief_document_id>/", views.document_view, name="document"),
]
