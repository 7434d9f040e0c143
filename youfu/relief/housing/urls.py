from django.urls import URLPattern, path

from youfu.relief.housing import views

app_name = "relief_housing"

urlpatterns: list[URLPattern] = [
    path("", views.cases_view, name="cases"),
    path("export/", views.cases_export_view, name="cases_export"),
    path("cases/new/", views.case_new_view, name="case_new"),
    path("cases/<int:housing_case_id>/", views.case_view, name="case"),
    path("surveys/", views.surveys_view, name="surveys"),
    path("surveys/export/", views.surveys_export_view, name="surveys_export"),
    path("surveys/new/", views.survey_new_view, name="survey_new"),
    path("surveys/<int:survey_id>/", views.survey_view, name="survey"),
    path("surveys/<int:survey_id>/photos/", views.photo_upload_view, name="photo_upload"),
    path("surveys/<int:survey_id>/photos/<int:photo_id>/", views.photo_view, name="photo"),
    path("unserved/", views.unserved_view, name="unserved"),
    path("unserved/export/", views.unserved_export_view, name="unserved_export"),
]
