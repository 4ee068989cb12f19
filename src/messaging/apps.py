from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        # The registrar's audited access to a thread is a page of the registry's back office site.
        from messaging import (
            backoffice,  # noqa: F401
            receivers,
        )
        from registry import signals as registry_signals

        registry_signals.guardian_restricted.connect(
            receivers.close_threads_of_restricted, dispatch_uid="messaging.guardian_restricted"
        )
