"""The outreach app's models, one module per area (pairing, visits, needs):
Django looks for them here."""

from youfu.outreach.needs.models import *  # noqa: F403
from youfu.outreach.pairing.models import *  # noqa: F403
from youfu.outreach.visits.models import *  # noqa: F403
