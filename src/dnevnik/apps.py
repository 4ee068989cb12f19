from django.apps import AppConfig


class DnevnikConfig(AppConfig):
    """The project itself, as an app only for its cross-app management commands."""

    name = "dnevnik"
    verbose_name = "Dnevnik"
