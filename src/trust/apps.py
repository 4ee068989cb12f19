from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "Trusted persons"

    def ready(self) -> None:
        # Imported here: models are not loaded while apps.py is (Django's app-loading order).
        import access
        from trust.services import record_grant_read

        # The policy only says which grant a read went through; the readers send it, the view log records it.
        access.grant_read.connect(record_grant_read, dispatch_uid="trust.record_grant_read")
