"""The demo's grandmother is a trusted person of Вера's diary, and only of that."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from portal.models import User
from registry.models import Pupil
from trust.models import Grant


@pytest.mark.django_db
def test_the_demo_grandmother_reads_veras_diary_and_nothing_else() -> None:
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # twice: idempotent
    grandmother = User.objects.get(email="galina.kuznetsova@dnevnik.test")
    vera = Pupil.objects.get(given_name="Вера", guardians__account__email="olga.smirnova@dnevnik.test")
    artyom = Pupil.objects.get(given_name="Артём", guardians__account__email="olga.smirnova@dnevnik.test")
    assert Grant.objects.filter(invitee=grandmother).count() == 1
    client = Client()
    client.force_login(grandmother)

    children = client.get("/api/v1/me").json()["children"]

    assert [(child["student_id"], child["relation"], child["services"]) for child in children] == [
        (str(vera.public_id), "trusted", ["diary"])
    ]
    assert client.get(f"/diary/{vera.public_id}/").status_code == 200
    assert client.get(f"/diary/{vera.public_id}/meals/").status_code == 404
    assert client.get(f"/diary/{artyom.public_id}/").status_code == 404
