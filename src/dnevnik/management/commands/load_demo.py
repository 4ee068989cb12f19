"""Demo accounts for ``make run``. Running it again changes nothing but the demo passwords' reset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from diary.demo import load_diary_demo
from portal.identity import format_phone, format_snils, snils_checksum
from portal.models import SnilsSource, User
from portal.services import register_oidc_client, verify_snils
from registry.demo import load_registry_demo
from registry.linking import verify_snils_from_records
from trust.demo import load_trust_demo
from visits.demo import load_visits_demo

MOBILE_CLIENT_ID = "dnevnik-mobile"
MOBILE_REDIRECT_URIS = ["http://127.0.0.1:8765/callback", "ru.dnevnik.mobile:/oauth/callback"]
# What the family app uses: the person, the children's diary, visits and meals, and trusted persons. A client
# registration has no list of allowed scopes here; the consent screen shows the person each one asked.
MOBILE_SCOPES = "openid profile email phone diary.read visits.read trust"

# Printed by `make run` on purpose: these accounts exist only in the demo database.
DEMO_PASSWORD = "Dnevnik-demo-2026"  # noqa: S105


def demo_snils(number: str) -> str:
    return f"{number}{snils_checksum(number):02d}"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    surname: str
    given_name: str
    patronymic: str
    email: str
    phone: str
    snils: str | None
    birth_date: date | None
    is_staff: bool = False


DEMO_ACCOUNTS = [
    DemoAccount(
        "parent (mother of two)",
        "Смирнова",
        "Ольга",
        "Игоревна",
        "olga.smirnova@dnevnik.test",
        "+79160000001",
        demo_snils("123456701"),
        date(1986, 3, 14),
    ),
    DemoAccount(
        "parent (father)",
        "Смирнов",
        "Андрей",
        "Викторович",
        "andrey.smirnov@dnevnik.test",
        "+79160000002",
        demo_snils("123456702"),
        date(1984, 11, 2),
    ),
    DemoAccount(
        "pupil, a minor (own account)",
        "Смирнов",
        "Артём",
        "Андреевич",
        "artyom.smirnov@dnevnik.test",
        "+79160000003",
        demo_snils("123456703"),
        date(2012, 9, 1),
    ),
    DemoAccount(
        "grandmother (trusted person: Вера's diary)",
        "Кузнецова",
        "Галина",
        "Петровна",
        "galina.kuznetsova@dnevnik.test",
        "+79160000004",
        demo_snils("123456704"),
        date(1958, 6, 21),
    ),
    DemoAccount("teacher", "Иванова", "Елена", "Сергеевна", "elena.ivanova@dnevnik.test", "+79160000005", None, None),
    DemoAccount(
        "registrar", "Петров", "Сергей", "Николаевич", "sergey.petrov@dnevnik.test", "+79160000006", None, None
    ),
    DemoAccount(
        "operator (admin site)",
        "Оператор",
        "Портала",
        "",
        "admin@dnevnik.test",
        "+79160000009",
        None,
        None,
        is_staff=True,
    ),
]


def verify_demo_snils(user: User) -> None:
    """The demo accounts sign in by SNILS (README), so their SNILS must be verified by a trusted source:
    through the link to a registry record with the same number where the demo registry has one; otherwise
    recorded as the verifier's answer, standing in for the pension-fund check a demo cannot ask."""
    if user.snils is None or user.snils_verified:
        return
    if not verify_snils_from_records(user, actor=None):
        verify_snils(account=user, snils=user.snils, source=SnilsSource.VERIFIER)


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent) and print how to sign in."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        for demo in DEMO_ACCOUNTS:
            before = User.objects.filter(email=demo.email).first()
            # A visitor may have changed the demo SNILS: the one put back is unverified until verified below.
            reset: dict[str, Any] = {}
            if before is not None and before.snils != demo.snils:
                reset = {"snils_verified_at": None, "snils_verified_by": ""}
            user, _created = User.objects.update_or_create(
                email=demo.email,
                defaults={
                    **reset,
                    "surname": demo.surname,
                    "given_name": demo.given_name,
                    "patronymic": demo.patronymic,
                    "phone": demo.phone,
                    "snils": demo.snils,
                    "birth_date": demo.birth_date,
                    "is_staff": demo.is_staff,
                    "is_superuser": demo.is_staff,
                    "is_active": True,
                },
                create_defaults={
                    "surname": demo.surname,
                    "given_name": demo.given_name,
                    "patronymic": demo.patronymic,
                    "phone": demo.phone,
                    "snils": demo.snils,
                    "birth_date": demo.birth_date,
                    "is_staff": demo.is_staff,
                    "is_superuser": demo.is_staff,
                    "email_confirmed_at": now,
                    "phone_confirmed_at": now,
                },
            )
            if not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
        school = load_registry_demo()
        for demo in DEMO_ACCOUNTS:
            verify_demo_snils(User.objects.get(email=demo.email))
        load_diary_demo(school)
        load_visits_demo(school)
        load_trust_demo()
        register_oidc_client(
            name="Дневник — мобильное приложение",
            client_id=MOBILE_CLIENT_ID,
            redirect_uris=MOBILE_REDIRECT_URIS,
            public=True,
        )
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}); sign in with email, SNILS or phone:")
        for demo in DEMO_ACCOUNTS:
            snils = format_snils(demo.snils) if demo.snils else "—"
            self.stdout.write(f"  {demo.role:38} {demo.email:36} {format_phone(demo.phone):18} SNILS {snils}")
        self.stdout.write(
            f"Demo school «{school.name}» (code {school.code}): the mother is linked to both children, the father "
            "is not linked yet (he can ask in «Передайте свои данные в школу»), the registrar keeps the back office at "
            "/backoffice/."
        )
        self.stdout.write(
            f"Mobile app client (public, PKCE S256): client_id {MOBILE_CLIENT_ID}, "
            f"redirect URIs {' '.join(MOBILE_REDIRECT_URIS)}, scope «{MOBILE_SCOPES}»"
        )
