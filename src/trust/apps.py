from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = _("Trusted persons")

    def ready(self) -> None:
        # Receivers import models: they are connected once the app registry is ready.
        import access
        from portal import signals as portal_signals
        from registry import signals as registry_signals
        from trust import receivers
        from trust.services import record_grant_read

        portal_signals.identity_changed.connect(receivers.deliver_invitations_to, dispatch_uid="trust.identity")
        registry_signals.guardian_link_ended.connect(receivers.end_grants_of_link, dispatch_uid="trust.guardian_link")
        registry_signals.guardian_restricted.connect(
            receivers.end_grants_of_restricted, dispatch_uid="trust.guardian_restricted"
        )
        # The policy only says which grant a read went through; the readers send it, the view log records it.
        access.grant_read.connect(record_grant_read, dispatch_uid="trust.record_grant_read")
