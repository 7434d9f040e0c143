from django.urls import URLPattern

app_name = "outreach_pairing"

urlpatterns: list[URLPattern] = []
