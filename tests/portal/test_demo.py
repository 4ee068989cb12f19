"""The demo accounts of the README sign in by their SNILS: a trusted source verified each one."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

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


@pytest.mark.django_db
def test_the_readme_demo_table_is_what_load_demo_makes() -> None:
    """Each row of the README's «Demo accounts» table (and the more demo teachers it names) is an account of
    ``load_demo`` with that phone and SNILS, that signs in with the README's password."""
    call_command("load_demo", stdout=StringIO())
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Demo accounts", 1)[1].split("\n## ", 1)[0]
    assert f"**`{DEMO_PASSWORD}`**" in section
    rows = [line.split("|")[1:-1] for line in section.splitlines() if re.match(r"\| [^|]+ \| \S+@dnevnik\.test", line)]
    assert len(rows) == len(DEMO_ACCOUNTS) == 7
    colleagues = []
    for _who, email, phone, snils, what in ([cell.strip() for cell in row] for row in rows):
        user = User.objects.get(email=email)
        assert user.phone == "+" + re.sub(r"\D", "", phone), email
        assert (format_snils(user.snils) if user.snils else "—") == snils, email
        login = Client().post("/signin/", {"login": email, "password": DEMO_PASSWORD})
        assert login.status_code == 302, email
        colleagues += re.findall(r"(\w+\.\w+)@(?:,|dnevnik\.test)", what)
    assert len(colleagues) == 4
    for more in colleagues:
        colleague = User.objects.get(email=f"{more}@dnevnik.test")
        assert colleague.check_password(DEMO_PASSWORD)
        assert colleague.staff_roles.filter(role="teacher").exists(), more
