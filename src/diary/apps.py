from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = _("Diary")

    def ready(self) -> None:
        # Registers the timetable with the registrar's back office, a site the admin autodiscovery does not scan.
        from diary import (
            alerts_views,
            backoffice,  # noqa: F401
            receivers,
            versions,
        )
        from notify import signals as notify_signals
        from portal import signals as portal_signals

        portal_signals.account_roles_asked.connect(receivers.roles_in_lessons, dispatch_uid="diary.roles")
        notify_signals.settings_sections_asked.connect(alerts_views.settings_section, dispatch_uid="diary.alerts")
        versions.connect()  # the cached family reads follow every change (diary.versions)
