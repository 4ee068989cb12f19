from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Receivers import models: they are connected once the app registry is ready.
        from notify import receivers
        from portal import signals as portal_signals

        portal_signals.snils_verified.connect(receivers.tell_snils_verified, dispatch_uid="notify.snils_verified")
