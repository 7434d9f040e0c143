from django.urls import URLPattern

app_name = "outreach_needs"

urlpatterns: list[URLPattern] = []
