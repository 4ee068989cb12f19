from django.contrib import admin
from django.urls import include, path

from dnevnik.api import api
from registry.backoffice import backoffice

urlpatterns = [
    path("", include("portal.urls")),
    path("", include("portal.oidc_urls")),
    path("", include("registry.urls")),
    path("", include("diary.urls")),
    path("", include("diary.teacher_urls")),
    path("", include("visits.urls")),
    path("", include("trust.urls")),
    path("", include("notify.urls")),
    path("", include("news.urls")),
    path("", include("messaging.urls")),
    path("", include("privacy.urls")),
    path("", include("erasure.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("backoffice/", backoffice.urls),
]
