"""The reports app's tables (Django looks for them here): the appraisal's weights, the archive
of monthly reports (youfu/reports/archive_models.py) and the reports asked of the job queue
(youfu/reports/job_models.py). Every figure of a report is read from the areas' own records
when asked."""

from youfu.reports.appraisal_models import *  # noqa: F403
from youfu.reports.archive_models import *  # noqa: F403
from youfu.reports.job_models import *  # noqa: F403
from youfu.reports.tally_models import *  # noqa: F403
