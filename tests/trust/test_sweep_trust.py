"""The periodic sweep: it opens accepted grants the activation task missed and expires unanswered invitations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from notify.models import Kind, Notification
from portal.models import User
from registry.models import Pupil
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool
from tests.trust.conftest import invite_by_api
from trust import services
from trust.models import Grant
from trust.tasks import sweep_grants_task


@pytest.fixture
def slow_activation(settings: Any) -> None:
    # The immediate backend cannot run a task later: with a delay the task is not enqueued at all.
    settings.TRUST_ACTIVATION_DELAY = timedelta(days=1)


@pytest.mark.usefixtures("slow_activation")
def test_the_sweep_opens_a_stale_accepted_grant(
    trust_school: DiarySchool,
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother: User,
    grandmother_client: CommittingClient,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    grant_id = invite_by_api(guardian_client, child).json()["id"]
    grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    grant = Grant.objects.get(pk=grant_id)
    assert grant.state == Grant.State.ACCEPTED
    assert grant.opens_by is not None
    assert timedelta(hours=23) < grant.opens_by - timezone.now() <= timedelta(hours=24)

    assert services.sweep_grants() == {"activated": 0, "expired": 0, "ended": 0}  # not yet due
    assert grandmother_client.get(f"/api/v1/students/{child.public_id}/diary").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.sweep_grants(now=grant.opens_by + timedelta(minutes=1))
    assert counts == {"activated": 1, "expired": 0, "ended": 0}
    assert Grant.objects.get(pk=grant_id).state == Grant.State.ACTIVE
    assert grandmother_client.get(f"/api/v1/students/{child.public_id}/diary").status_code == 200
    assert Notification.objects.filter(kind=Kind.ACCESS_OPENED).count() == 2  # the guardian and the grandmother
    assert AuditEvent.objects.filter(action="trust.activate", target=f"trust.grant:{grant_id}").exists()


@pytest.mark.usefixtures("slow_activation")
def test_the_management_command_and_the_task_sweep_when_the_clock_moves(
    child: Pupil,
    guardian: User,
    grandmother: User,
    time_machine: Any,
) -> None:
    [grant] = services.invite_trusted_person(
        inviter=guardian, student_id=child.public_id, services=["diary"], surname="Кузнецова", phone=grandmother.phone
    )
    services.accept_invitation(user=grandmother, grant_id=grant.pk)
    time_machine.move_to(timezone.now() + timedelta(hours=24, minutes=1))
    out = StringIO()
    call_command("run_sweeps", stdout=out)
    assert "activated: 1" in out.getvalue()
    grant.refresh_from_db()
    assert grant.state == Grant.State.ACTIVE
    result = sweep_grants_task.enqueue()
    assert result.return_value == {"activated": 0, "expired": 0, "ended": 0}


def test_an_unanswered_invitation_expires_after_thirty_days(
    child: Pupil,
    guardian: User,
    guardian_client: CommittingClient,
    grandmother: User,
    grandmother_client: CommittingClient,
) -> None:
    grant_id = invite_by_api(guardian_client, child).json()["id"]
    grant = Grant.objects.get(pk=grant_id)
    assert grant.expires_at - grant.created_at == timedelta(days=30)
    # Past the deadline it already shows as expired and cannot be accepted, before any sweep.
    Grant.objects.filter(pk=grant_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    [row] = guardian_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").json()
    assert row["state"] == "expired"
    assert grandmother_client.get("/api/v1/subscriptions").json() == []
    assert grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept").status_code == 409

    assert services.sweep_grants() == {"activated": 0, "expired": 1, "ended": 0}
    grant.refresh_from_db()
    assert (grant.state, grant.end_reason) == (Grant.State.EXPIRED, "expired")
    assert grant.ended_at is not None
    # An expired invitation no longer counts as live: the same person may be invited again.
    assert invite_by_api(guardian_client, child).status_code == 201


def test_the_sweep_leaves_active_and_answered_grants_alone(
    child: Pupil,
    guardian: User,
    grandmother: User,
    settings: Any,
) -> None:
    settings.TRUST_ACTIVATION_DELAY = timedelta(0)
    [grant] = services.invite_trusted_person(
        inviter=guardian, student_id=child.public_id, services=["diary"], surname="Кузнецова", phone=grandmother.phone
    )
    services.accept_invitation(user=grandmother, grant_id=grant.pk)
    services.activate_grant(grant_id=grant.pk)
    later = timezone.now() + timedelta(days=40)
    assert services.sweep_grants(now=later) == {"activated": 0, "expired": 0, "ended": 0}
    grant.refresh_from_db()
    assert grant.state == Grant.State.ACTIVE


def test_a_grant_past_its_end_date_ends_frees_its_place_and_can_be_given_again(
    child: Pupil,
    guardian_client: CommittingClient,
    grandmother: User,
    grandmother_client: CommittingClient,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    diary = f"/api/v1/students/{child.public_id}/diary"
    ends_on = timezone.localdate().isoformat()
    grant_id = invite_by_api(guardian_client, child, ends_on=ends_on).json()["id"]
    grandmother_client.post(f"/api/v1/subscriptions/{grant_id}/accept")
    assert grandmother_client.get(diary).status_code == 200
    day_after = timezone.now() + timedelta(days=1, minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.sweep_grants(now=day_after)

    assert counts["ended"] == 1
    grant = Grant.objects.get(pk=grant_id)
    assert (grant.state, grant.end_reason) == (Grant.State.EXPIRED, "end_date")
    assert AuditEvent.objects.filter(action="trust.end", target=f"trust.grant:{grant_id}").exists()
    assert Notification.objects.filter(user=grandmother, kind=Kind.ACCESS_REVOKED).exists()
    [row] = guardian_client.get(f"/api/v1/trusted-persons?student_id={child.public_id}").json()
    assert row["state"] == "ended"
    again = invite_by_api(guardian_client, child)
    assert again.status_code == 201, again.content
