from django.urls import path

from youfu.relief.discoveries import views

app_name = "relief_discoveries"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("refresh/", views.refresh_view, name="refresh"),
    path("export/", views.export_view, name="export"),
    path("<int:discovery_id>/resolve/", views.resolve_view, name="resolve"),
]
