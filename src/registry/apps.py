from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("School registry")

    def ready(self) -> None:
        # Receivers import models: they are connected once the app registry is ready.
        from notify import signals as notify_signals
        from portal import signals as portal_signals
        from registry import receivers

        portal_signals.contact_confirmed.connect(receivers.link_guardians_of_contact, dispatch_uid="registry.contact")
        portal_signals.account_roles_asked.connect(receivers.roles_in_schools, dispatch_uid="registry.roles")
        notify_signals.quiet_hours_asked.connect(receivers.quiet_hours_of_school, dispatch_uid="registry.quiet_hours")
