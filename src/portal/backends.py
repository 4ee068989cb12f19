"""The authentication backend behind every sign-in form (the portal's and the admin's)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.http import HttpRequest

from core.prepared import Prepared
from core.web import client_address
from portal import throttle
from portal.login import LoginKeys, resolve_login
from portal.models import User


def accounts_for_login(keys: LoginKeys) -> list[User]:
    """Accounts a login may name: by email, by a *verified* SNILS, or by a *confirmed* phone.

    A typed SNILS is only a claim several accounts may share, so it names no account until verified."""
    condition = Q(pk__in=[])
    if keys.email:
        condition |= Q(email=keys.email)
    if keys.snils:
        condition |= Q(snils=keys.snils, snils_verified_at__isnull=False)
    if keys.phone:
        condition |= Q(phone=keys.phone, phone_confirmed_at__isnull=False)
    return list(User.objects.filter(condition).order_by("pk"))


class PortalLoginBackend(ModelBackend):
    """Email, SNILS or phone plus password, within the brute-force limits of ``throttle``.

    Unknown login, wrong password and a locked account all end in ``None`` after one password
    hash has been computed, so neither the answer nor its timing tells them apart. The attempt is
    counted as a failure before the password is checked (``throttle.reserve_sign_in``), so a refused
    attempt never reaches ``check_password`` however many run in parallel; a success gives it back.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        login: str | None = None,
        password: str | None = None,
        username: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        raw_login = login if login is not None else username
        if raw_login is None or password is None:
            return None
        keys = resolve_login(raw_login)
        users = accounts_for_login(keys) if keys else []
        accounts = throttle.account_keys(users=users, canonical_login=keys.canonical or raw_login.strip().lower())
        address = throttle.address_key(client_address(request))
        reserved = throttle.reserve_sign_in(accounts=accounts, address=address)
        if reserved is None or not users:
            make_password(password)
            return None
        for user in users:
            if user.check_password(password) and self.user_can_authenticate(user):
                # The account's earlier failures are cleared when the whole sign-in succeeds, not here: a wrong
                # second-factor code counts as one of them (portal.second_factor).
                throttle.give_back(reserved)
                return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        # The account of every signed-in request, with its pupil record (``User.is_minor`` reads it on every
        # family page): one query instead of two, compiled once per process (``core.prepared``).
        try:
            rows = _ACCOUNT_QUERY.rows(pk=int(user_id))
        except (TypeError, ValueError):
            return None
        if not rows:
            return None
        db, row = User.objects.db, rows[0]
        user = User.from_db(db, _USER, row[: len(_USER)])
        record = row[len(_USER) :]
        _RECORD.set_cached_value(user, _RECORD.related_model.from_db(db, _PUPIL, record) if record[0] else None)
        return user if self.user_can_authenticate(user) else None


_RECORD: Any = User._meta.get_field("pupil_record")  # the reverse side of the registry's pupil record
_USER = [field.attname for field in User._meta.concrete_fields]
_PUPIL = [field.attname for field in _RECORD.related_model._meta.concrete_fields]
_ACCOUNT_QUERY = Prepared(
    lambda pk: (
        User._default_manager.filter(pk=pk)
        .order_by()
        .values_list(*_USER, *(f"pupil_record__{name}" for name in _PUPIL))[:1]
    ),
    pk=int,
)
