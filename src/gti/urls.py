from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from gti.api.api import api
from gti.health import health
from gti.notifications.views import deadlines_feed

admin.site.site_header = admin.site.site_title = _("GTI Platform administration")
admin.site.site_url = "/"

urlpatterns = [
    path("api/v1/", api.urls),
    path("health/", health, name="health"),
    # Outside the language prefix: a calendar client keeps one address.
    path("deadlines/<str:token>.ics", deadlines_feed, name="deadlines_feed"),
]
# Dutch at /, English at /en/: each page has a stable address per language.
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("gti.accounts.urls")),
    path("budgeting/", include("gti.budgeting.urls")),
    path("monitoring/", include("gti.monitoring.urls")),
    path("portal/", include("gti.opendata.urls")),
    path("", include("gti.participation.urls")),  # before proposals: calls/<ref>/<action>/
    path("", include("gti.notifications.urls")),
    path("", include("gti.documents.urls")),
    path("", include("gti.portfolio.urls")),
    path("", include("gti.proposals.urls")),
    path("", include("gti.strategy.urls")),
    prefix_default_language=False,
)
