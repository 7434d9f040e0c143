from django.urls import path

from youfu.benefits import views

app_name = "benefits"
urlpatterns = [
    path("", views.batch_list_view, name="batches"),
    path("batches/<int:batch_id>/", views.batch_detail_view, name="batch"),
    path("batches/<int:batch_id>/approve/", views.batch_approve_view, name="approve"),
    path("batches/<int:batch_id>/discard/", views.batch_discard_view, name="discard"),
    path("batches/<int:batch_id>/export/", views.batch_export_view, name="export"),
    path("batches/<int:batch_id>/returns/", views.batch_returns_view, name="returns"),
    path("batches/<int:batch_id>/close/", views.batch_close_view, name="close"),
    path("banks/", views.banks_view, name="banks"),
    path("standards/", views.standards_view, name="standards"),
    path("standards/import/", views.standards_import_view, name="standards_import"),
    path("standards/topup/", views.topup_view, name="topup"),
    path(
        "standards/<int:version_id>/approve/",
        views.standards_decide_view,
        {"action": "approve"},
        name="standards_approve",
    ),
    path(
        "standards/<int:version_id>/refuse/",
        views.standards_decide_view,
        {"action": "refuse"},
        name="standards_refuse",
    ),
    path(
        "standards/topup/<int:topup_id>/approve/",
        views.topup_decide_view,
        {"action": "approve"},
        name="topup_approve",
    ),
    path(
        "standards/topup/<int:topup_id>/refuse/",
        views.topup_decide_view,
        {"action": "refuse"},
        name="topup_refuse",
    ),
    path("standards/settings/", views.settings_view, name="settings"),
    path("recoveries/", views.recoveries_view, name="recoveries"),
    path("recoveries/export/", views.recoveries_export_view, name="recoveries_export"),
    path("recoveries/<int:recovery_id>/settle/", views.recovery_settle_view, name="settle"),
    path("lump-sums/", views.lump_sums_view, name="lump_sums"),
    path("lump-sums/<int:lump_sum_id>/payee/", views.lump_sum_payee_view, name="lump_sum_payee"),
    path("reconciliation/", views.reconciliation_view, name="reconciliation"),
    path("beneficiaries/<int:beneficiary_id>/", views.person_view, name="person"),
    path("beneficiaries/<int:beneficiary_id>/section/", views.person_section_view, name="person_section"),
]
