from django.apps import AppConfig


class DnevnikConfig(AppConfig):
    """The project itself, as an app for its cross-app management commands and deployment checks."""

    name = "dnevnik"
    verbose_name = "Dnevnik"

    def ready(self) -> None:
        from dnevnik import checks  # noqa: F401  (registers the checks)
