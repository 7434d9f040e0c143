from django.urls import path

from youfu.registry import views_people

urlpatterns = [
    path("", views_people.beneficiary_list_view, name="list"),
    path("export/", views_people.export_view, name="export"),
    path("new/", views_people.beneficiary_create_view, name="create"),
    path("<int:beneficiary_id>/", views_people.beneficiary_detail_view, name="detail"),
    path("<int:beneficiary_id>/reveal/", views_people.reveal_view, name="reveal"),
    path("<int:beneficiary_id>/edit/", views_people.beneficiary_edit_view, name="edit"),
    path(
        "<int:beneficiary_id>/qualifications/new/",
        views_people.add_qualification_view,
        name="add_qualification",
    ),
    path("<int:beneficiary_id>/life-events/new/", views_people.life_event_view, name="life_event"),
]
