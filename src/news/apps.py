from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "news"
    verbose_name = _("Announcements")

    def ready(self) -> None:
        # Receivers import models: they are connected once the app registry is ready.
        from news import receivers
        from portal import signals as portal_signals

        portal_signals.cabinet_panels_asked.connect(receivers.cabinet_feed, dispatch_uid="news.cabinet_feed")
