"""Shared fixtures: a client whose requests commit for real, the outboxes, and account factories."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.core.cache import caches
from django.db.models.signals import post_migrate
from django.test import Client

from core import sms
from notify import push
from tests.snils import PensionFundDouble

PASSWORD = "Correct-Horse-42"


def _seed_terms_after_flush(sender: Any, **kwargs: Any) -> None:
    """A transactional test (the browser's live server, the worker's races) ends with a flush that empties every
    table, the rows that data migrations wrote included, and then sends ``post_migrate`` (as Django does to put
    back content types): the processing terms' first version is put back as its migration wrote it, or every
    later registration would find no terms to accept."""
    if sender.label == "portal":
        from django.apps import apps

        importlib.import_module("portal.migrations.0007_seed_terms_version").seed(apps, None)


post_migrate.connect(_seed_terms_after_flush, dispatch_uid="tests.seed_terms_after_flush")


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_outboxes(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SMS_BACKEND = "core.sms.LocmemBackend"
    settings.PUSH_BACKEND = "notify.push.LocmemBackend"
    # Quiet hours would hold the email of a test that runs in the evening: off unless a test turns them on.
    settings.QUIET_HOURS = ("00:00", "00:00")
    settings.SNILS_VERIFIER = "tests.snils.PensionFundDouble"
    PensionFundDouble.known.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TRUST_VIEW_SPOOL = tmp_path / "viewlog"  # each test its own view-log spool
    caches["diary"].clear()  # ids and versions repeat from test to test: no cached read carries over
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    sms.outbox.clear()
    push.outbox.clear()
    push.gone.clear()
    mail.outbox = []
    yield
    sms.outbox.clear()
    push.outbox.clear()
    push.gone.clear()


class CommittingClient(Client):
    """A test client whose requests run their on-commit work (task enqueues) as a real commit would.

    Tests run inside a transaction that is rolled back, so without this the codes a request sends
    would never leave.
    """

    capture: Callable[..., Any]

    def request(self, **request: Any) -> Any:
        with self.capture(execute=True):
            return super().request(**request)


@pytest.fixture
def make_client(django_capture_on_commit_callbacks: Callable[..., Any], db: None) -> Callable[[], CommittingClient]:
    """More committing clients, one per browser a person would use."""

    def _make() -> CommittingClient:
        client = CommittingClient()
        client.capture = django_capture_on_commit_callbacks
        return client

    return _make


@pytest.fixture
def web(make_client: Callable[[], CommittingClient]) -> CommittingClient:
    return make_client()


CODE = re.compile(r"\b(\d{6})\b")


def last_email_code(to: str) -> str:
    for message in reversed(mail.outbox):
        if to in message.to:
            found = CODE.search(str(message.body))
            assert found, message.body
            return found.group(1)
    raise AssertionError(f"no email to {to}")


def last_sms_code(to: str) -> str:
    for message in reversed(sms.outbox):
        if message.to == to:
            found = CODE.search(message.text)
            assert found, message.text
            return found.group(1)
    raise AssertionError(f"no SMS to {to}")


def registration_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "surname": "Смирнова",
        "given_name": "Ольга",
        "patronymic": "Игоревна",
        "email": "Olga@Example.ru",
        "phone": "8 (912) 345-67-89",
        "birth_date": "1986-03-14",
        "snils": "112-233-445 95",
        "new_password": PASSWORD,
        "new_password_again": PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def register(web: CommittingClient) -> Callable[..., Any]:
    """Register through the web form and confirm both codes, as a person would."""

    def _register(confirm: bool = True, client: Client | None = None, **overrides: Any) -> Any:
        from portal.models import User

        client = client or web
        data = registration_data(**overrides)
        response = client.post("/register/", data)
        assert response.status_code == 302, response.content.decode()[:3000]
        user = User.objects.get(email=data["email"].strip().lower())
        if confirm:
            client.post("/confirm/", {"action": "confirm_email", "email-code": last_email_code(user.email)})
            client.post("/confirm/", {"action": "confirm_phone", "phone-code": last_sms_code(user.phone)})
            user.refresh_from_db()
            assert user.contacts_confirmed
        return user

    return _register


@pytest.fixture
def adult_birth_date() -> date:
    return date(1986, 3, 14)
