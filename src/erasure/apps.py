from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ErasureConfig(AppConfig):
    name = "erasure"
    verbose_name = _("Retention and erasure")

    def ready(self) -> None:
        # The registrar's pages (retention periods, destruction records, erasing a record) are pages of the
        # registry's back office site.
        from erasure import backoffice  # noqa: F401
