from django.urls import path

from youfu.core import views_calendar

app_name = "core"
urlpatterns = [
    path("", views_calendar.calendar_view, name="calendar"),
]
