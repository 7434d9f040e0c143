from django.urls import path

from youfu.petitions import views

app_name = "petitions"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("new/", views.register_view, name="new"),
    path("mine/", views.mine_view, name="mine"),
    path("extensions/", views.extensions_view, name="extensions"),
    path("stats/", views.stats_view, name="stats"),
    path("stats.xlsx", views.stats_export_view, name="stats_export"),
    path("receptions/", views.receptions_view, name="receptions"),
    path("receptions/<int:reception_id>/", views.reception_detail_view, name="reception_detail"),
    path("receptions/<int:reception_id>/edit/", views.reception_edit_view, name="reception_edit"),
    path("receptions/<int:reception_id>/cancel/", views.reception_cancel_view, name="reception_cancel"),
    path("notifications/", views.notifications_view, name="notifications"),
    path("<int:petition_id>/", views.detail_view, name="detail"),
    path("<int:petition_id>/receipt/", views.receipt_view, name="receipt"),
    path("<int:petition_id>/reply.pdf", views.reply_pdf_view, name="reply_pdf"),
    path("<int:petition_id>/attachments/", views.attachment_upload_view, name="attachment_upload"),
    path(
        "<int:petition_id>/attachments/<int:attachment_id>/",
        views.attachment_view,
        name="attachment",
    ),
]
