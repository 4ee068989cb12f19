"""Custody limits (issue 18): a registrar of the pupil's school restricts one guardian; while it is in force
the guardian relation opens nothing, and after its last day access returns by itself."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from messaging.selectors import unread_counts
from messaging.services import post_message
from notify.models import Kind, Notification
from portal.models import User
from registry.models import Guardian, GuardianRestriction, StaffMember
from tests.conftest import PASSWORD
from tests.diary.conftest import make_guardian
from tests.test_access_matrix import GUARDIAN, SUBJECT_TEACHER, TRUSTED_DIARY, World
from tests.test_access_matrix import world as world  # the fixture: the pupil, its family, grants and thread
from trust.models import Grant


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _guardian(world: World) -> Guardian:
    return Guardian.objects.get(pupil=world.pupil, account=world.family[GUARDIAN])


def _restrict(world: World, **dates: str) -> Any:
    return _client(world.registrar).post(
        f"/backoffice/custody/{_guardian(world).pk}/",
        {"reason": "решение суда", "document": "Решение № 2-123/2026 от 01.12.2026", **dates},
    )


def _family_urls(world: World) -> list[str]:
    pupil = world.pupil.public_id
    return [
        f"/diary/{pupil}/",
        f"/diary/{pupil}/marks/",
        f"/api/v1/students/{pupil}/diary",
        f"/api/v1/students/{pupil}/marks",
        f"/diary/{pupil}/visits/",
        f"/api/v1/students/{pupil}/visits",
        f"/messages/{world.threads['thread']}/",
        f"/api/v1/threads/{world.threads['thread']}",
        f"/api/v1/trusted-persons?student_id={pupil}",
        f"/diary/{pupil}/absence/",
        f"/diary/{pupil}/trusted/",
    ]


def _children(client: Client) -> list[str]:
    return [child["student_id"] for child in client.get("/api/v1/me").json()["children"]]


def test_a_restriction_in_force_closes_every_page_and_ends_the_grants(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    guardian = _client(world.family[GUARDIAN])
    for url in _family_urls(world):
        assert guardian.get(url).status_code == 200, url
    assert str(world.pupil.public_id) in _children(guardian)
    with django_capture_on_commit_callbacks(execute=True):
        assert _restrict(world).status_code == 302
    for url in _family_urls(world):
        assert guardian.get(url).status_code == 404, url
    assert _children(guardian) == []
    # Nor may they invite a trusted person, withdraw the child's absence note or read the class's announcement.
    invite = {
        "student_id": str(world.pupil.public_id),
        "service": "diary",
        "surname": "Бабушкина",
        "phone": "+79161234567",
    }
    assert guardian.post("/api/v1/trusted-persons", invite, content_type="application/json").status_code == 404
    assert guardian.post(f"/diary/absence/{world.absence_note_id}/withdraw/").status_code == 404
    assert guardian.get("/api/v1/announcements").json()["items"] == []
    assert str(world.pupil.public_id) not in guardian.get("/diary/").content.decode()
    # The grants the guardian gave for the child ended (and a trusted person's read with them).
    assert set(Grant.objects.filter(pupil=world.pupil).values_list("state", flat=True)) == {"revoked"}
    assert _client(world.family[TRUSTED_DIARY]).get(f"/diary/{world.pupil.public_id}/").status_code == 404
    restriction = GuardianRestriction.objects.get()
    assert AuditEvent.objects.filter(action="registry.guardian_restricted", target__endswith=f":{restriction.pk}")
    assert AuditEvent.objects.filter(action="trust.revoke", data__reason="guardian_restricted").count() == 3
    assert AuditEvent.objects.filter(action="messaging.threads_closed_to_restricted_guardian").exists()
    # The thread stays for the school side.
    assert _client(world.staff[SUBJECT_TEACHER]).get(f"/messages/{world.threads['thread']}/").status_code == 200


def test_a_restricted_guardian_is_not_told_of_a_new_mark(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _restrict(world)
    teacher = _client(world.staff[SUBJECT_TEACHER])
    url = f"/api/v1/lessons/{world.lessons['algebra']}/marks"
    body = {"marks": [{"pupil_id": world.pupil.pk, "value": "4", "version": 1}]}
    with django_capture_on_commit_callbacks(execute=True):
        answer = teacher.put(url, json.dumps(body), content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert not Notification.objects.filter(kind=Kind.MARK, user=world.family[GUARDIAN]).exists()


def test_a_restriction_from_a_later_day_changes_nothing_until_then_and_ends_by_itself(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    starts, ends = today + timedelta(days=2), today + timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert _restrict(world, starts_on=f"{starts:%d.%m.%Y}", ends_on=f"{ends:%d.%m.%Y}").status_code == 302
    week = f"/diary/{world.pupil.public_id}/"
    assert _client(world.family[GUARDIAN]).get(week).status_code == 200
    assert Grant.objects.filter(pupil=world.pupil, state="active").count() == 2
    call_command("run_sweeps", stdout=io.StringIO())
    assert Grant.objects.filter(pupil=world.pupil, state="active").count() == 2
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        assert _client(world.family[GUARDIAN]).get(week).status_code == 404
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_sweeps", stdout=io.StringIO())
        assert not Grant.objects.filter(pupil=world.pupil, state="active").exists()
    with time_machine.travel(timezone.now() + timedelta(days=7), tick=False):
        guardian = _client(world.family[GUARDIAN])
        assert guardian.get(week).status_code == 200
        assert str(world.pupil.public_id) in _children(guardian)
        for _run in range(2):
            call_command("run_sweeps", stdout=io.StringIO())
        assert AuditEvent.objects.filter(action="registry.guardian_restriction_ended").count() == 1
        # Grants ended by the restriction are not restored.
        assert not Grant.objects.filter(pupil=world.pupil, state="active").exists()


def test_lifting_returns_access_at_once(world: World) -> None:
    _restrict(world)
    restriction = GuardianRestriction.objects.get()
    answer = _client(world.registrar).post(f"/backoffice/custody/lift/{restriction.pk}/")
    assert answer.status_code == 302
    assert _client(world.family[GUARDIAN]).get(f"/diary/{world.pupil.public_id}/").status_code == 200
    assert AuditEvent.objects.filter(action="registry.guardian_restriction_lifted").count() == 1
    again = _client(world.registrar).post(f"/backoffice/custody/lift/{restriction.pk}/", follow=True)
    assert "уже снято" in again.content.decode() or "already" in again.content.decode()


def test_only_a_registrar_of_the_pupils_school_restricts(world: World) -> None:
    other = User.objects.create_user("r2@example.ru", PASSWORD, surname="Иной", given_name="Рег", phone="+79000000077")
    StaffMember.objects.create(school=world.foreign_pupil.school, account=other, role=StaffMember.Role.REGISTRAR)
    url = f"/backoffice/custody/{_guardian(world).pk}/"
    assert _client(other).get(url).status_code == 404
    assert _client(other).post(url, {"reason": "x", "document": "y"}).status_code == 404
    assert _client(world.family[GUARDIAN]).post(url, {"reason": "x", "document": "y"}).status_code == 404
    assert not GuardianRestriction.objects.exists()
    foreign = make_guardian(world.foreign_pupil, world.person)
    assert _client(world.registrar).get(f"/backoffice/custody/{foreign.pk}/").status_code == 404


def test_bad_input_names_the_field(world: World) -> None:
    registrar = _client(world.registrar)
    url = f"/backoffice/custody/{_guardian(world).pk}/"
    answer = registrar.post(url, {"reason": "суд", "document": "   "})
    assert answer.status_code == 200
    assert "document" in answer.context["form"].errors
    yesterday = timezone.localdate() - timedelta(days=1)
    answer = registrar.post(url, {"reason": "суд", "document": "д", "ends_on": f"{yesterday:%d.%m.%Y}"})
    assert answer.context["form"].errors["ends_on"]
    assert not GuardianRestriction.objects.exists()
    page = registrar.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Ограничить" in page


def test_the_other_guardian_keeps_access_and_is_not_told_the_reason(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    father = User.objects.create_user(
        "father@example.ru", PASSWORD, surname="Отцов", given_name="Пётр", phone="+79000000078"
    )
    make_guardian(world.pupil, father)
    with django_capture_on_commit_callbacks(execute=True):
        _restrict(world)
    other = _client(father)
    for url in (f"/diary/{world.pupil.public_id}/", f"/diary/{world.pupil.public_id}/trusted/"):
        answer = other.get(url)
        assert answer.status_code == 200, url
        assert "решение суда" not in answer.content.decode()
        assert "Решение №" not in answer.content.decode()
    assert str(world.pupil.public_id) in _children(other)
    told = Notification.objects.filter(user=father)
    assert not [n for n in told if "суд" in f"{n.subject} {n.body}"]
    # Either guardian sees the other's trusted persons: the father still sees the grants, now ended.
    rows = other.get(f"/api/v1/trusted-persons?student_id={world.pupil.public_id}").json()
    assert rows


def test_the_header_stops_counting_the_childs_messages_when_a_restriction_starts(world: World) -> None:
    """The header's unread count is a query compiled once per process: the restriction's dates must be its
    parameters, not the moment it was compiled."""
    guardian = world.family[GUARDIAN]
    with time_machine.travel(timezone.now(), tick=False):
        post_message(author=world.staff[SUBJECT_TEACHER], thread_id=world.threads["thread"], text="Прошу зайти в школу")
    before = unread_counts(user=guardian)[1]
    assert before >= 1
    starts = timezone.localdate() + timedelta(days=2)
    _restrict(world, starts_on=f"{starts:%d.%m.%Y}")
    assert unread_counts(user=guardian)[1] == before
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        assert unread_counts(user=guardian)[1] == 0
