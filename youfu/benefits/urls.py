from django.urls import URLPattern

app_name = "benefits"
urlpatterns: list[URLPattern] = []
