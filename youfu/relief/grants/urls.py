from django.urls import URLPattern

app_name = "relief_grants"

urlpatterns: list[URLPattern] = []
