from django.urls import URLPattern

app_name = "relief_medical"

urlpatterns: list[URLPattern] = []
