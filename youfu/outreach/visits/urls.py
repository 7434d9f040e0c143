from django.urls import path

from youfu.outreach.visits import views

app_name = "outreach_visits"

urlpatterns = [
    path("", views.campaign_list_view, name="campaigns"),
    path("campaigns.xlsx", views.campaign_list_export_view, name="campaigns_export"),
    path("new/", views.campaign_new_view, name="campaign_new"),
    path("<int:campaign_id>/", views.campaign_detail_view, name="campaign"),
    path("<int:campaign_id>/change/", views.campaign_change_view, name="campaign_change"),
    path("<int:campaign_id>/record/", views.record_visit_view, name="record"),
    path("<int:campaign_id>/not-visited.xlsx", views.not_visited_export_view, name="not_visited_export"),
    path("<int:campaign_id>/visits.xlsx", views.visits_export_view, name="visits_export"),
]
