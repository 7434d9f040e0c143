from django.urls import path

from youfu.petitions import views, views_detail, views_intake, views_reception, views_stats

app_name = "petitions"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("new/", views_intake.register_view, name="new"),
    path("mine/", views.mine_view, name="mine"),
    path("extensions/", views.extensions_view, name="extensions"),
    path("stats/", views_stats.stats_view, name="stats"),
    path("stats.xlsx", views_stats.stats_export_view, name="stats_export"),
    path("receptions/", views_reception.receptions_view, name="receptions"),
    path("receptions/<int:reception_id>/", views_reception.reception_detail_view, name="reception_detail"),
    path("receptions/<int:reception_id>/edit/", views_reception.reception_edit_view, name="reception_edit"),
    path(
        "receptions/<int:reception_id>/cancel/",
        views_reception.reception_cancel_view,
        name="reception_cancel",
    ),
    path("notifications/", views.notifications_view, name="notifications"),
    path("<int:petition_id>/", views_detail.detail_view, name="detail"),
    path("<int:petition_id>/receipt/", views_detail.receipt_view, name="receipt"),
    path("<int:petition_id>/reply.pdf", views_detail.reply_pdf_view, name="reply_pdf"),
    path("<int:petition_id>/attachments/", views_detail.attachment_upload_view, name="attachment_upload"),
    path(
        "<int:petition_id>/attachments/<int:attachment_id>/",
        views_detail.attachment_view,
        name="attachment",
    ),
]
