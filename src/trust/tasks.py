"""Background work of the trusted-persons service, run by the task worker (``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from trust import services


@task()
def activate_grant(*, grant_id: int) -> bool:
    """Open an accepted grant (enqueued on acceptance, after ``TRUST_ACTIVATION_DELAY``); False if nothing to do."""
    return services.activate_grant(grant_id=grant_id) is not None


@task()
def deliver_waiting_invitations(*, account_id: int) -> int:
    """Tell an account of invitations that name it now (after registration, a phone confirmation, a profile change)."""
    return services.deliver_waiting_invitations(account_id=account_id)


@task()
def sweep_grants_task() -> dict[str, int]:
    """The periodic sweep: open grants the activation task missed, expire unanswered invitations."""
    return services.sweep_grants()
