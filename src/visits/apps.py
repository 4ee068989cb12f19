from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits and meals")

    def ready(self) -> None:
        # Registers the cards with the registrar's back office, a site the admin autodiscovery does not scan.
        from visits import backoffice  # noqa: F401
