from django.urls import URLPattern

app_name = "outreach_visits"

urlpatterns: list[URLPattern] = []
