from django.urls import include, path

from youfu.accounts.views import home_view
from youfu.api.api import api
from youfu.core.views import area_view

# A database that cannot be reached answers 503, saying so (youfu/core/views.py).
handler403 = "youfu.core.views.permission_denied"
handler500 = "youfu.core.views.server_error"

urlpatterns = [
    path("", home_view, name="home"),
    path("areas/<slug:key>/", area_view, name="area"),
    path("accounts/", include("youfu.accounts.urls")),
    path("regions/", include("youfu.regions.urls")),
    path("registry/", include("youfu.registry.urls")),
    path("benefits/", include("youfu.benefits.urls")),
    path("petitions/", include("youfu.petitions.urls")),
    path("relief/", include("youfu.relief.grants.urls")),
    path("medical/", include("youfu.relief.medical.urls")),
    path("housing/", include("youfu.relief.housing.urls")),
    path("discoveries/", include("youfu.relief.discoveries.urls")),
    path("pairing/", include("youfu.outreach.pairing.urls")),
    path("visits/", include("youfu.outreach.visits.urls")),
    path("needs-checks/", include("youfu.outreach.needs.urls")),
    path("reports/", include("youfu.reports.urls")),
    path("p/", include("youfu.petitions.urls_public")),
    path("audit/", include("youfu.audit.urls")),
    path("calendar/", include("youfu.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
