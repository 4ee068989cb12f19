from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "diary"
    verbose_name = "Diary"

    def ready(self) -> None:
        # Registers the timetable with the registrar's back office, a site the admin autodiscovery does not scan.
        from diary import backoffice  # noqa: F401
