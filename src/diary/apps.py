from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = _("Diary")

    def ready(self) -> None:
        # Registers the timetable with the registrar's back office, a site the admin autodiscovery does not scan.
        from diary import (
            backoffice,  # noqa: F401
            versions,
        )

        versions.connect()  # the cached family reads follow every change (diary.versions)
