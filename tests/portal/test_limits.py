"""Rate limits beyond the sign-in race: the client address, registration, reset, codes, "already used"
answers, and the sweep that forgets what no longer counts (issue 11, part 3)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from core import sms
from portal.identity import snils_checksum
from portal.models import ThrottleHit, ThrottleKey, User
from tests.conftest import PASSWORD, registration_data

WRONG = "Wrong-Password-1"
NOON = "2026-11-28 12:00:00+03:00"


def sign_in(login: str, password: str = PASSWORD, **extra: Any) -> int:
    return int(Client().post("/signin/", {"login": login, "password": password}, **extra).status_code)


def snils(number: int) -> str:
    nine = f"{200_000_000 + number:09d}"
    return f"{nine}{snils_checksum(nine):02d}"


def form_codes(response: Any, name: str = "form") -> list[str]:
    form = response.context[name]
    return [error.code for errors in form.errors.as_data().values() for error in errors]


def assert_rate_limited_page(response: Any, *, at_most: int) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= at_most
    page = response.content.decode()
    assert "Слишком много попыток." in page or "Слишком много кодов" in page
    assert "Попробуйте снова через" in page


@pytest.fixture
def olga(register: Any, web: Any) -> User:
    user: User = register()
    web.post("/signout/")
    return user


# The client address


def test_a_forwarded_for_header_is_not_believed_without_a_trusted_proxy(olga: User, time_machine: Any) -> None:
    time_machine.move_to(NOON, tick=False)
    for number in range(10):
        sign_in(f"ghost{number}@example.ru", WRONG, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.9.9.{number}")
    assert sign_in("olga@example.ru", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.200") == 200


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(
    olga: User, settings: Any, time_machine: Any
) -> None:
    time_machine.move_to(NOON, tick=False)
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for number in range(10):
        # What the client wrote itself comes first; the proxy appends the address it saw.
        forwarded = f"192.0.2.{number}, 198.51.100.9"
        sign_in(f"ghost{number}@example.ru", WRONG, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert sign_in("olga@example.ru", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9") == 200
    assert sign_in("olga@example.ru", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.10") == 302
    assert ThrottleHit.objects.filter(rule="signin_address", key="ip:198.51.100.9").count() == 10
    assert not ThrottleHit.objects.filter(key="ip:10.0.0.2").exists()


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(olga: User, settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]
    sign_in("ghost@example.ru", WRONG, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4, 10.1.1.1")
    sign_in("ghost@example.ru", WRONG, REMOTE_ADDR="2001:db8:ffff::1", HTTP_X_FORWARDED_FOR="[2001:db8:5::1]:4711")
    sign_in("ghost@example.ru", WRONG, REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.77")
    keys = set(ThrottleHit.objects.filter(rule="signin_address").values_list("key", flat=True))
    assert keys == {"ip:198.51.100.4", "ip:2001:db8:5::/64", "ip:192.0.2.50"}


def test_ipv6_addresses_count_per_64(olga: User, time_machine: Any) -> None:
    time_machine.move_to(NOON, tick=False)
    for number in range(1, 11):
        sign_in(f"ghost{number}@example.ru", WRONG, REMOTE_ADDR=f"2001:db8:1:2::{number:x}")
    assert sign_in("olga@example.ru", REMOTE_ADDR="2001:db8:1:2:ffff:ffff:ffff:1") == 200, "same /64"
    assert sign_in("olga@example.ru", REMOTE_ADDR="2001:db8:1:3::1") == 302, "the next /64 is someone else"


# The sweep


def test_the_sweep_drops_hits_that_no_longer_count_and_is_idempotent(
    register: Any, web: Any, time_machine: Any
) -> None:
    time_machine.move_to(NOON, tick=False)
    olga = register()
    web.post("/signout/")
    time_machine.shift(timedelta(hours=1, seconds=1))
    call_command("run_sweeps", stdout=io.StringIO())
    assert not ThrottleHit.objects.exists(), "the registration's hits are an hour old"
    for _ in range(3):
        sign_in("olga@example.ru", WRONG, REMOTE_ADDR="203.0.113.7")
    web.post("/register/", registration_data(email="ivan@example.ru", phone="+79120000001", snils=""))
    time_machine.shift(timedelta(minutes=15, seconds=1))
    sign_in("olga@example.ru", WRONG, REMOTE_ADDR="203.0.113.8")

    def sweep() -> str:
        out = io.StringIO()
        call_command("run_sweeps", stdout=out)
        return out.getvalue()

    assert "expired rate-limit hits: 6" in sweep()  # 3 for the account, 3 for the address
    signin = set(ThrottleHit.objects.filter(rule__startswith="signin_").values_list("rule", "key"))
    assert signin == {("signin_account", f"user:{olga.pk}"), ("signin_address", "ip:203.0.113.8")}
    hour_long = set(ThrottleHit.objects.exclude(rule__startswith="signin_").values_list("rule", flat=True))
    assert hour_long == {"register_address", "lookup_target", "code_target"}, "an hour's window is not over yet"
    assert "expired rate-limit hits: 0" in sweep()
    assert sign_in("olga@example.ru", REMOTE_ADDR="203.0.113.7") == 302, "the limit still works after a sweep"

    time_machine.shift(timedelta(hours=1, seconds=1))
    sweep()
    assert list(ThrottleHit.objects.values_list("rule", "key", "at")) == []
    assert not ThrottleKey.objects.exists(), "keys idle longer than every window are gone too"
    assert "expired rate-limit hits: 0" in sweep()


# Registration, "already used" and codes


def test_registrations_from_one_address_are_limited(web: Any, time_machine: Any) -> None:
    time_machine.move_to(NOON, tick=False)

    def attempt(number: int, address: str = "198.51.100.1") -> Any:
        data = registration_data(email=f"person{number}@example.ru", phone=f"+7912000{number:04d}", snils="")
        web.post("/signout/")
        return web.post("/register/", data, REMOTE_ADDR=address)

    for number in range(10):
        assert attempt(number).status_code == 302
    refused = attempt(10)
    assert_rate_limited_page(refused, at_most=3600)
    assert form_codes(refused) == ["too_many_attempts"]
    assert not User.objects.filter(email="person10@example.ru").exists()
    assert attempt(11, address="198.51.100.2").status_code == 302, "another address is not paused"
    time_machine.shift(timedelta(hours=1, seconds=1))
    assert attempt(10).status_code == 302


def test_an_email_cannot_be_probed_for_use_more_than_the_target_limit(olga: User, web: Any) -> None:
    answers = []
    for number in range(10):
        data = registration_data(email="olga@example.ru", phone=f"+7912000{number:04d}", snils="")
        response = web.post("/register/", data, REMOTE_ADDR=f"198.51.100.{number}")
        answers.append(response.status_code)
    # Olga's own registration counted once: nine "already used" answers, then the limit.
    assert answers == [200] * 9 + [429]


def test_the_same_phone_gets_no_more_codes_than_its_limit_whoever_registers(web: Any, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "code_target": (3, timedelta(hours=1))}
    statuses = []
    for number in range(5):
        web.post("/signout/")
        data = registration_data(email=f"pump{number}@example.ru", phone="+79125550000", snils="")
        response = web.post("/register/", data, REMOTE_ADDR=f"198.51.100.{number}")
        statuses.append(response.status_code)
    assert statuses == [302, 302, 302, 429, 429]
    assert sum(1 for message in sms.outbox if message.to == "+79125550000") == 3
    assert User.objects.filter(phone="+79125550000").count() == 3


def test_code_requests_from_one_address_are_limited(register: Any, web: Any, settings: Any, time_machine: Any) -> None:
    time_machine.move_to(NOON, tick=False)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "code_address": (2, timedelta(hours=1))}
    register(confirm=False)
    sent = len(sms.outbox)
    for _ in range(2):
        time_machine.shift(timedelta(seconds=61))
        web.post("/confirm/", {"action": "resend_phone"})
    time_machine.shift(timedelta(seconds=61))
    response = web.post("/confirm/", {"action": "resend_phone"}, follow=True)
    assert len(sms.outbox) == sent + 2
    assert "Слишком много попыток." in response.content.decode()
    # A new phone asks for a code too, from the same address.
    response = web.post("/cabinet/contacts/", {"action": "phone", "phone-phone": "+79120000077"})
    assert_rate_limited_page(response, at_most=3600)
    assert len(sms.outbox) == sent + 2


def test_snils_changes_in_the_profile_are_limited(register: Any, web: Any, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "lookup_address": (3, timedelta(hours=1))}
    register()

    def save(value: str) -> Any:
        data = {"surname": "Смирнова", "given_name": "Ольга", "patronymic": "", "birth_date": "", "snils": value}
        return web.post("/cabinet/profile/", data, REMOTE_ADDR="198.51.100.3")

    assert [save(snils(number)).status_code for number in range(3)] == [302, 302, 302]
    refused = save(snils(3))
    assert_rate_limited_page(refused, at_most=3600)
    assert save(User.objects.get(email="olga@example.ru").snils or "").status_code == 302, "unchanged is free"


# Password reset


@pytest.mark.parametrize("login", ["olga@example.ru", "nobody@example.ru"])
def test_reset_requests_for_one_login_are_limited_alike_for_known_and_unknown(olga: User, login: str) -> None:
    statuses = [
        Client().post("/reset/", {"login": login}, REMOTE_ADDR=f"198.51.100.{number}").status_code
        for number in range(6)
    ]
    assert statuses == [302] * 5 + [429]


def test_reset_requests_from_one_address_are_limited(db: None, time_machine: Any) -> None:
    time_machine.move_to(NOON, tick=False)
    client = Client()
    statuses = [
        client.post("/reset/", {"login": f"person{number}@example.ru"}, REMOTE_ADDR="198.51.100.1").status_code
        for number in range(11)
    ]
    assert statuses == [302] * 10 + [429]
    refused = client.post("/reset/", {"login": "someone@example.ru"}, REMOTE_ADDR="198.51.100.1")
    assert_rate_limited_page(refused, at_most=3600)
    time_machine.shift(timedelta(hours=1, seconds=1))
    assert client.post("/reset/", {"login": "someone@example.ru"}, REMOTE_ADDR="198.51.100.1").status_code == 302


# The password typed again inside a session (changing it, deleting the account)


@pytest.mark.parametrize(
    ("path", "field", "extra"),
    [
        (
            "/cabinet/password/",
            "old_password",
            {"new_password": "Brand-New-Pass-42", "new_password_again": "Brand-New-Pass-42"},
        ),
        ("/cabinet/delete/", "password", {}),
    ],
)
def test_a_session_cannot_guess_the_password_without_limit(
    olga: User, time_machine: Any, path: str, field: str, extra: dict[str, str]
) -> None:
    """Five wrong passwords in 15 minutes, as at sign-in: then even the right one waits, and so does the
    sign-in of the account (the count is the account's), until the window has passed."""
    time_machine.move_to(NOON, tick=False)
    session = Client()
    session.force_login(olga)
    for _attempt in range(5):
        wrong = session.post(path, {field: WRONG, **extra})
        assert wrong.status_code == 200
        assert "data-field" in wrong.content.decode()
    assert_rate_limited_page(session.post(path, {field: PASSWORD, **extra}), at_most=15 * 60)
    assert User.objects.get(pk=olga.pk).is_active
    assert User.objects.get(pk=olga.pk).check_password(PASSWORD)
    assert sign_in("olga@example.ru") == 200, "the account is locked for sign-in too: the right password is refused"
    time_machine.shift(timedelta(minutes=16))
    assert session.post(path, {field: PASSWORD, **extra}).status_code == 302
