from django.urls import path

from youfu.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_list_view, name="list"),
    path("import/", views.region_import_view, name="import"),
    path("<str:code>/", views.region_detail_view, name="detail"),
]
