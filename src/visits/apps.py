from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "Visits and meals"

    def ready(self) -> None:
        # Registers the cards with the registrar's back office, a site the admin autodiscovery does not scan.
        from visits import backoffice  # noqa: F401
