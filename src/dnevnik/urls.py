from django.contrib import admin
from django.urls import include, path

from dnevnik.api import api
from registry.backoffice import backoffice

# Django tries the patterns in order: the API, the evening's busiest path, goes first so that its requests do
# not run through the ~90 page patterns before it (no page path starts with ``api/v1/``), and the family's
# diary pages go before the rest of the pages.
urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("diary.urls")),
    path("", include("portal.urls")),
    path("", include("portal.oidc_urls")),
    path("", include("registry.urls")),
    path("", include("diary.teacher_urls")),
    path("", include("visits.urls")),
    path("", include("trust.urls")),
    path("", include("notify.urls")),
    path("", include("news.urls")),
    path("", include("messaging.urls")),
    path("", include("privacy.urls")),
    path("", include("erasure.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("backoffice/", backoffice.urls),
]
