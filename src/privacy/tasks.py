"""Background work of «Мои данные», run by the task worker."""

from __future__ import annotations

from django_tasks import task


@task()
def build_export_task(*, export_id: str) -> None:
    from privacy import services  # cycle: the services enqueue this task

    services.build_export(export_id=export_id)
