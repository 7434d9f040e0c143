from django.urls import path

from youfu.registry import views_people

urlpatterns = [
    path("", views_people.beneficiary_list_view, name="list"),
]
