from django.urls import path

from youfu.petitions import views_public as views

app_name = "public"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("submit/", views.submit_view, name="submit"),
    path("receipt/", views.receipt_view, name="receipt"),
    path("lookup/", views.lookup_view, name="lookup"),
    path("status/", views.status_view, name="status"),
    path("receptions/", views.receptions_view, name="receptions"),
]
