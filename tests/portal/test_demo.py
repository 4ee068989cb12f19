"""The demo accounts of the README sign in by their SNILS: a trusted source verified each one."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from dnevnik.management.commands.load_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from portal.identity import format_snils
from portal.models import User


@pytest.mark.django_db
def test_every_demo_snils_is_verified_and_signs_in() -> None:
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # twice: idempotent
    with_snils = [demo for demo in DEMO_ACCOUNTS if demo.snils]
    assert len(with_snils) == 4
    sources = {}
    for demo in with_snils:
        user = User.objects.get(email=demo.email)
        assert user.snils_verified, demo.email
        sources[demo.email] = user.snils_verified_by
        response = Client().post("/signin/", {"login": format_snils(demo.snils or ""), "password": DEMO_PASSWORD})
        assert response.status_code == 302, demo.email
    # The mother and the pupil through their links to the demo registry's records with the same SNILS.
    assert sources["olga.smirnova@dnevnik.test"] == sources["artyom.smirnov@dnevnik.test"] == "registry"
    assert sources["andrey.smirnov@dnevnik.test"] == sources["galina.kuznetsova@dnevnik.test"] == "verifier"


@pytest.mark.django_db
def test_a_demo_snils_a_visitor_changed_is_put_back_and_verified_again() -> None:
    call_command("load_demo", stdout=StringIO())
    olga = User.objects.get(email="olga.smirnova@dnevnik.test")
    User.objects.filter(pk=olga.pk).update(snils="12345678964")
    call_command("load_demo", stdout=StringIO())
    olga.refresh_from_db()
    assert (olga.snils, olga.snils_verified, olga.snils_verified_by) == ("12345670140", True, "registry")
