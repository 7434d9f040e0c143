from django.urls import include, path

app_name = "registry"
urlpatterns = [
    path("", include("youfu.registry.urls_people")),
    path("imports/", include("youfu.registry.urls_import")),
    path("reviews/", include("youfu.registry.urls_review")),
]
