from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        # The registrar's audited access to a thread is a page of the registry's back office site.
        from messaging import backoffice  # noqa: F401
