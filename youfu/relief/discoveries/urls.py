from django.urls import URLPattern

app_name = "relief_discoveries"

urlpatterns: list[URLPattern] = []
