"""Comparing a portal account with registry records: which fields differ, and the closest record.

Field codes: ``surname``, ``given_name``, ``patronymic``, ``birth_date``, ``snils``, ``phone``,
``email``, and three that are not fields: ``not_found`` (no record to compare with),
``already_linked`` (the record belongs to another account), ``nothing_to_compare`` (the school keeps
no phone, email or SNILS of the guardian, so the names alone would have to vouch for them),
``snils_unverified`` (the school keeps only the guardian's SNILS, and the account's SNILS is merely
typed, which proves nothing). The person
is told *which* field differs (``difference_message``); only the registrar sees the values
(``pending_differences``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from portal.identity import name_key
from portal.models import User
from registry.models import Guardian, LinkRequest, Pupil, School, fio_key

NAME_FIELDS = ("surname", "given_name", "patronymic")
NOT_FOUND = "not_found"
ALREADY_LINKED = "already_linked"
NOTHING_TO_COMPARE = "nothing_to_compare"
SNILS_UNVERIFIED = "snils_unverified"

DIFFERENCE_MESSAGES: dict[str, StrOrPromise] = {
    "surname": _(
        "The surname in your profile does not match the school's records. Check your profile or contact the school."
    ),
    "given_name": _(
        "The given name in your profile does not match the school's records. Check your profile or contact the school."
    ),
    "patronymic": _(
        "The patronymic in your profile does not match the school's records. Check your profile or contact the school."
    ),
    "birth_date": _(
        "The birth date in your profile does not match the school's records. Check your profile or contact the school."
    ),
    "snils": _(
        "The SNILS in your profile is missing or does not match the school's records. "
        "Add or correct it in your profile, or contact the school."
    ),
    "phone": _(
        "Your confirmed mobile phone does not match the one the school has. "
        "Ask the school to update it, or change the phone in your profile."
    ),
    "email": _(
        "Your confirmed email does not match the one the school has. "
        "Ask the school to update it, or change the email in your profile."
    ),
    NOT_FOUND: _(
        "The school has no record matching your data. Check the school you chose and the names and "
        "birth date (yours, or your child's), or ask the school to add you to its records."
    ),
    ALREADY_LINKED: _(
        "This record is already linked to another portal account. The school will check the "
        "request; contact the school if you did not link it yourself."
    ),
    NOTHING_TO_COMPARE: _(
        "The school keeps no phone, email or SNILS of yours to compare with, so the school "
        "will check the request by hand. Ask the school to add your contacts to its records."
    ),
    SNILS_UNVERIFIED: _(
        "The school keeps only your SNILS to compare with, and the SNILS in your profile is not verified yet, "
        "so the school will check the request by hand. Ask the school to add your phone or email to its records."
    ),
}
_UNKNOWN_DIFFERENCE = _("Your data does not match the school's records. Contact the school.")


# How the registrar's queue names each difference (staff may see both values, the person may not).
DIFFERENCE_LABELS: dict[str, StrOrPromise] = {
    "surname": _("surname"),
    "given_name": _("given name"),
    "patronymic": _("patronymic"),
    "birth_date": _("birth date"),
    "snils": _("SNILS"),
    "phone": _("mobile phone"),
    "email": _("email"),
    NOT_FOUND: _("no matching record in the registry"),
    ALREADY_LINKED: _("the record is linked to another account"),
    NOTHING_TO_COMPARE: _("the school keeps no phone, email or SNILS of this guardian"),
    SNILS_UNVERIFIED: _("only the SNILS to compare, and it is not verified in the portal account"),
}


def difference_message(code: str) -> StrOrPromise:
    """What to tell the person about one difference: which field, and what to do. Never a registry value."""
    return DIFFERENCE_MESSAGES.get(code, _UNKNOWN_DIFFERENCE)


# --- Comparing ---------------------------------------------------------------------------------------------


def account_fio_key(user: User) -> str:
    return fio_key(user.surname, user.given_name, user.patronymic)


def _names_differ(record: Pupil | Guardian, user: User) -> list[str]:
    return [field for field in NAME_FIELDS if name_key(getattr(record, field)) != name_key(getattr(user, field))]


def _same_phone(guardian: Guardian, user: User) -> bool:
    return bool(guardian.phone) and user.phone_confirmed and guardian.phone == user.phone


def _same_email(guardian: Guardian, user: User) -> bool:
    return bool(guardian.email) and user.email_confirmed and guardian.email.strip().lower() == user.email


def _same_snils(record: Pupil | Guardian, user: User) -> bool:
    return bool(record.snils) and record.snils == user.snils


def pupil_differences(pupil: Pupil, user: User) -> list[str]:
    """Field codes where ``user`` (asking to be this pupil) differs from the registry record."""
    differences = _names_differ(pupil, user)
    if pupil.birth_date != user.birth_date:
        differences.append("birth_date")
    if pupil.snils and not _same_snils(pupil, user):
        differences.append("snils")
    return differences


def guardian_differences(guardian: Guardian, user: User) -> list[str]:
    """Field codes where ``user`` differs from this guardian row; phone and email count only when confirmed."""
    differences = _names_differ(guardian, user)
    if guardian.phone and not _same_phone(guardian, user):
        differences.append("phone")
    if guardian.email and not _same_email(guardian, user):
        differences.append("email")
    if guardian.snils and not _same_snils(guardian, user):
        differences.append("snils")
    if not differences and not (guardian.phone or guardian.email or guardian.snils):
        # Names alone are public knowledge; without one identifier to check a person stays unverified.
        differences.append(NOTHING_TO_COMPARE)
    elif not differences and not (guardian.phone or guardian.email or user.snils_verified):
        # Nor is a SNILS anyone could type into a profile; and this link would then verify it.
        differences.append(SNILS_UNVERIFIED)
    return differences


# A record is the person's, with a typo somewhere, when at least this many of surname, given name,
# patronymic and birth date agree; fewer, and it is somebody else.
PUPIL_FIELDS_THAT_MUST_AGREE = 3


def _pupil_candidate(*, school: School, user: User) -> Pupil | None:
    """The pupil of ``school`` closest to the person: same SNILS, or FIO and birth date with one slip."""
    match = Q(birth_date=user.birth_date) | Q(fio_key=account_fio_key(user))
    if user.snils:
        match |= Q(snils=user.snils)
    candidates = list(Pupil.objects.filter(school=school).filter(match).order_by("pk")[:200])
    best = min(candidates, key=lambda pupil: len(pupil_differences(pupil, user)), default=None)
    if best is None:
        return None
    slips = set(pupil_differences(best, user)) & {*NAME_FIELDS, "birth_date"}
    same_snils = bool(user.snils) and best.snils == user.snils
    if not same_snils and 4 - len(slips) < PUPIL_FIELDS_THAT_MUST_AGREE:
        return None
    return best


def _named_child(*, school: School, child: ChildData) -> Pupil | None:
    key = fio_key(child.surname, child.given_name, child.patronymic)
    return Pupil.objects.filter(school=school, birth_date=child.birth_date, fio_key=key).order_by("pk").first()


def _guardian_candidate(*, pupil: Pupil, user: User) -> Guardian | None:
    """The guardian row of ``pupil`` with the person's FIO; failing that, one with their phone, email or SNILS."""
    guardians = list(pupil.guardians.order_by("pk"))
    key = account_fio_key(user)
    by_name = next((guardian for guardian in guardians if guardian.fio_key == key), None)
    if by_name is not None:
        return by_name
    return next((g for g in guardians if _same_phone(g, user) or _same_email(g, user) or _same_snils(g, user)), None)


# --- Rules -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildData:
    """The child as a guardian names them in the request."""

    surname: str
    given_name: str
    patronymic: str
    birth_date: date


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y") if isinstance(value, date) else str(value)


def pending_differences(link_request: LinkRequest) -> list[tuple[str, str, str]]:
    """``(field, registry value, portal value)`` for each field that differs now, for the registrar only.

    Computed afresh, so a correction of the record shows at once. The caller must have fetched the
    request through ``access.require(registrar, "registry.manage", …)``.
    """
    account = link_request.account
    record: Pupil | Guardian | None
    if link_request.kind == LinkRequest.Kind.PUPIL:
        record = link_request.pupil
        codes = pupil_differences(record, account) if record is not None else []
    else:
        record = link_request.guardian
        codes = guardian_differences(record, account) if record is not None else []
    if record is None:
        return [(NOT_FOUND, "", "")]
    rows: list[tuple[str, str, str]] = []
    if record.account_id not in (None, account.pk):
        rows.append((ALREADY_LINKED, _text(record.account), ""))
    for code in codes:
        if code in (NOTHING_TO_COMPARE, SNILS_UNVERIFIED):
            rows.append((code, "", ""))
            continue
        portal_value = getattr(account, code)
        rows.append((code, _text(getattr(record, code)), _text(portal_value)))
    return rows
