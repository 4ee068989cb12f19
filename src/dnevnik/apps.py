from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DnevnikConfig(AppConfig):
    """The project itself, as an app only for its cross-app management commands."""

    name = "dnevnik"
    verbose_name = _("Dnevnik")
