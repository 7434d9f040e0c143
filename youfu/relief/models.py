"""The relief app's models, one module per area (grants, medical, housing, discoveries):
Django looks for them here."""

from youfu.relief.discoveries.models import *  # noqa: F403
from youfu.relief.grants.models import *  # noqa: F403
from youfu.relief.housing.models import *  # noqa: F403
from youfu.relief.medical.models import *  # noqa: F403
