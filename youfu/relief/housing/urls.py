from django.urls import URLPattern

app_name = "relief_housing"

urlpatterns: list[URLPattern] = []
