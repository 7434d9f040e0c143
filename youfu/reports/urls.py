from django.urls import path

from youfu.reports import views

app_name = "reports"

urlpatterns = [
    path("summary/", views.summary_view, name="summary"),
]
