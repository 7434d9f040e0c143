"""youfu's settings with persistent database connections, for ``bench_load.py --conn-max-age N``:
what keeping each gunicorn worker's connection open between requests would save (youfu opens a
new one for every request, ``conn_max_age=0`` in youfu/settings.py). A measurement, not a setting
youfu offers."""

import os

from youfu.settings import *  # noqa: F403
from youfu.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("YOUFU_LOAD_CONN_MAX_AGE", "0"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
