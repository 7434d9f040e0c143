from django.urls import path

from youfu.reports import appraisal_views, dashboard_views, export_views, job_views, views

app_name = "reports"

urlpatterns = [
    path("summary/", views.summary_view, name="summary"),
    path("dashboard/", dashboard_views.dashboard_view, name="dashboard"),
    path("summary.xlsx", export_views.summary_xlsx_view, name="summary_xlsx"),
    path("summary.pdf", export_views.summary_pdf_view, name="summary_pdf"),
    path("jobs/", job_views.jobs_view, name="jobs"),
    path("jobs/<int:job_id>/", job_views.job_view, name="job"),
    path("jobs/<int:job_id>/download", job_views.job_download_view, name="job_download"),
    path("archive/", export_views.archive_list_view, name="archive"),
    path("archive/<int:archive_id>.xlsx", export_views.archive_download_view, name="archive_download"),
    path("appraisal/", appraisal_views.appraisal_view, name="appraisal"),
    path("appraisal/weights/", appraisal_views.weights_view, name="appraisal_weights"),
    path("appraisal/<str:township>/", appraisal_views.township_view, name="appraisal_township"),
]
