from django.urls import path

from youfu.registry import views_import

urlpatterns = [
    path("", views_import.import_view, name="import"),
    path("template.xlsx", views_import.template_view, name="import_template"),
    path("errors/<str:token>/", views_import.error_file_view, name="import_errors"),
]
