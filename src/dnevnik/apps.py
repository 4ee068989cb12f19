from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DnevnikConfig(AppConfig):
    """The project itself, as an app for its cross-app management commands and deployment checks."""

    name = "dnevnik"
    verbose_name = _("Dnevnik")

    def ready(self) -> None:
        from dnevnik import checks  # noqa: F401  (registers the checks)
