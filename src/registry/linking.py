"""«Передайте свои данные в школу»: matching portal accounts with the registry, and the links it makes.

A person asks to be linked as a **pupil** (they choose the school) or as a **guardian** (they choose
the school and name the child: FIO and birth date). The portal profile is compared with the registry
record field by field: an exact match links at once; anything else waits in the registrar's queue as
a pending ``LinkRequest`` whose ``differences`` name the fields that differ. The person is told
*which* field differs and what to do, never what the school has (``difference_message``); the
registrar sees both values (``pending_differences``) and approves or rejects.

The other direction, registry guardians to accounts, is ``link_known_guardians`` (run as a task after
an import and after a person confirms a phone or an email).

The comparison itself, its field codes and messages, is ``registry.matching``.

A link is also how the registry vouches for a SNILS: an account linked to a record with the same SNILS
has it verified (``verify_snils_from_records``). So a link never rests on a typed SNILS alone — the
automatic guardian link counts a SNILS only once it is verified.

Rules kept here, for every way a link is made: only an account with a confirmed email and phone may
ask; a parent and a child have separate accounts (one account is never both the pupil and a
guardian of the same pupil); a guardian is an adult, known to be so by the birth date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import cast
from uuid import UUID

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import access
from audit.services import record_event
from core.errors import DomainError
from portal.errors import PortalCode
from portal.models import SnilsSource, TermsAcceptance, User
from portal.services import accept_terms, verify_snils
from registry.errors import RegistryCode
from registry.matching import (
    ALREADY_LINKED,
    NOT_FOUND,
    ChildData,
    _guardian_candidate,
    _named_child,
    _pupil_candidate,
    account_fio_key,
    guardian_differences,
    pupil_differences,
)
from registry.models import Guardian, LinkRequest, Pupil, School, fio_key
from registry.signals import guardian_link_ended


def _separate_accounts() -> DomainError:
    return DomainError(
        RegistryCode.SEPARATE_ACCOUNTS,
        _(
            "A parent and a child must have separate accounts: one account cannot be both the pupil and "
            "a guardian of the same pupil."
        ),
    )


def _link_exists() -> DomainError:
    return DomainError(RegistryCode.LINK_EXISTS, _("Your account is already linked to this record."))


def _already_pupil() -> DomainError:
    return DomainError(
        RegistryCode.ALREADY_PUPIL,
        _(
            "Your account is already linked to a pupil's record. If you moved to another school, "
            "ask the new school to transfer your record."
        ),
    )


def _check_may_ask(user: User) -> None:
    if not user.contacts_confirmed:
        raise DomainError(
            RegistryCode.CONTACTS_UNCONFIRMED,
            _(
                "Confirm your email and mobile phone first. Keep your contacts current and confirmed, "
                "or you will not get access to the diary."
            ),
        )
    if user.birth_date is None:
        raise DomainError(
            RegistryCode.BIRTH_DATE_REQUIRED,
            _(
                "Add your birth date to your profile first: the school compares it with its records, "
                "and a guardian must be an adult."
            ),
        )


def check_pupil_rules(*, account: User, pupil: Pupil) -> None:
    """Raise unless ``account`` may become the pupil ``pupil`` (its record's other links aside)."""
    if pupil.account_id == account.pk:
        raise _link_exists()
    if Pupil.objects.filter(account=account).exclude(pk=pupil.pk).exists():
        raise _already_pupil()
    if pupil.guardians.filter(account=account).exists():
        raise _separate_accounts()


def check_guardian_rules(*, account: User, pupil: Pupil) -> None:
    """Raise unless ``account`` may become a guardian of ``pupil``: an adult, not the pupil, not already one."""
    if account.birth_date is None:
        raise DomainError(
            RegistryCode.BIRTH_DATE_REQUIRED,
            _("Add your birth date to your profile first: a guardian must be an adult."),
        )
    if account.is_minor:
        raise DomainError(
            RegistryCode.MINOR_GUARDIAN,
            _("A guardian must be an adult: the account of a minor cannot be linked as a guardian."),
        )
    is_the_pupil = pupil.account_id == account.pk or (
        pupil.fio_key == account_fio_key(account) and pupil.birth_date == account.birth_date
    )
    if is_the_pupil:
        raise _separate_accounts()
    if pupil.guardians.filter(account=account).exists():
        raise _link_exists()


# --- Linking and the audit trail ---------------------------------------------------------------------------


def verify_snils_from_records(account: User, *, actor: User | None) -> bool:
    """The registry vouches for the account's SNILS when a record linked to the account has the same one."""
    if not account.snils or account.snils_verified:
        return False
    same = Q(account=account, snils=account.snils)
    if not (Pupil.objects.filter(same).exists() or Guardian.objects.filter(same).exists()):
        return False
    return verify_snils(account=account, snils=account.snils, source=SnilsSource.REGISTRY, actor=actor)


def verify_linked_snils(*, school_id: int) -> int:
    """After an import: verify the SNILS of accounts linked to the school's records that now carry the same
    number; returns how many were verified."""
    same_as_record = Q(pupil_record__school_id=school_id, pupil_record__snils=F("snils")) | Q(
        guardian_records__pupil__school_id=school_id, guardian_records__snils=F("snils")
    )
    accounts = User.objects.filter(same_as_record, snils__isnull=False, snils_verified_at__isnull=True).distinct()
    return sum(verify_snils_from_records(account, actor=None) for account in accounts)


def _link_pupil(*, pupil: Pupil, account: User, actor: User | None, via: str, request: LinkRequest | None) -> None:
    pupil.account = account
    pupil.save(update_fields=["account"])
    verify_snils_from_records(account, actor=actor)
    record_event(
        actor=actor,
        action="registry.link",
        target=pupil,
        kind=LinkRequest.Kind.PUPIL.value,
        account=account.pk,
        via=via,
        request=request.pk if request else None,
    )


def _link_guardian(
    *, guardian: Guardian, account: User, actor: User | None, via: str, request: LinkRequest | None
) -> None:
    guardian.account = account
    guardian.save(update_fields=["account"])
    if request is not None:  # the consent the guardian gave with the request now names the pupil
        TermsAcceptance.objects.filter(link_request=request, account=account, pupil=None).update(pupil=guardian.pupil)
    verify_snils_from_records(account, actor=actor)
    record_event(
        actor=actor,
        action="registry.link",
        target=guardian,
        kind=LinkRequest.Kind.GUARDIAN.value,
        account=account.pk,
        pupil=guardian.pupil_id,
        via=via,
        request=request.pk if request else None,
    )


def _open_request(*, user: User, school: School, kind: str, child: ChildData | None) -> LinkRequest:
    """The person's pending request for the same thing (asking again refreshes it), or a new one."""
    pending = (
        LinkRequest.objects.select_for_update()
        .filter(account=user, school=school, kind=kind, state=LinkRequest.State.PENDING)
        .order_by("created_at")
    )
    for request in pending:
        if child is None or (
            fio_key(request.child_surname, request.child_given_name, request.child_patronymic)
            == fio_key(child.surname, child.given_name, child.patronymic)
            and request.child_birth_date == child.birth_date
        ):
            return request
    request = LinkRequest(account=user, school=school, kind=kind)
    if child is not None:
        request.child_surname, request.child_given_name = child.surname, child.given_name
        request.child_patronymic, request.child_birth_date = child.patronymic, child.birth_date
    return request


def _settle(
    request: LinkRequest, *, user: User, pupil: Pupil | None, guardian: Guardian | None, differences: list[str]
) -> LinkRequest:
    request.pupil, request.guardian, request.differences = pupil, guardian, differences
    if differences:
        request.state = LinkRequest.State.PENDING
    else:
        request.state, request.decided_at = LinkRequest.State.LINKED, timezone.now()
    request.save()
    record_event(
        actor=user,
        action="registry.link_request",
        target=request,
        kind=request.kind,
        school=request.school_id,
        state=request.state,
        differences=differences,
    )
    return request


# --- The person's side -------------------------------------------------------------------------------------


@transaction.atomic
def request_link(
    *,
    user: User,
    kind: str,
    school_id: int,
    child_surname: str = "",
    child_given_name: str = "",
    child_patronymic: str = "",
    child_birth_date: date | None = None,
    consent_via: str | None = None,
) -> LinkRequest:
    """Hand the person's data to the school: link at once on an exact match, else queue for the registrar.

    ``kind`` is ``pupil`` (the person is the pupil) or ``guardian`` (the child is named by the
    ``child_*`` arguments, already parsed). The returned request is ``linked`` or ``pending``.
    ``consent_via`` (``web`` / ``api``): the guardian gave consent for the child's data under the current
    terms; it is recorded with the request (and the pupil, once the request links).
    """
    _check_may_ask(user)
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise DomainError(RegistryCode.SCHOOL_UNKNOWN, _("Choose a school from the list."), field="school")
    if kind == LinkRequest.Kind.PUPIL:
        return _request_as_pupil(user=user, school=school)
    if kind == LinkRequest.Kind.GUARDIAN:
        missing = [
            field
            for field, value in (("child_surname", child_surname), ("child_given_name", child_given_name))
            if not value
        ]
        if missing or child_birth_date is None:
            field = missing[0] if missing else "child_birth_date"
            raise DomainError(RegistryCode.CHILD_REQUIRED, _("Name the child as the school knows them."), field=field)
        child = ChildData(
            surname=child_surname, given_name=child_given_name, patronymic=child_patronymic, birth_date=child_birth_date
        )
        request = _request_as_guardian(user=user, school=school, child=child)
        if consent_via:
            accept_terms(
                account=user,
                via=consent_via,
                for_child=True,
                pupil_id=request.pupil_id if request.state == LinkRequest.State.LINKED else None,
                link_request_id=request.pk,
            )
        return request
    raise DomainError(RegistryCode.KIND_UNKNOWN, _("Choose whether you are the pupil or a guardian."), field="kind")


def _request_as_pupil(*, user: User, school: School) -> LinkRequest:
    found = _pupil_candidate(school=school, user=user)
    pupil = Pupil.objects.select_for_update().get(pk=found.pk) if found is not None else None
    differences = [NOT_FOUND]
    if pupil is not None:
        check_pupil_rules(account=user, pupil=pupil)
        differences = [ALREADY_LINKED] if pupil.account_id is not None else pupil_differences(pupil, user)
    elif Pupil.objects.filter(account=user).exists():
        raise _already_pupil()
    request = _settle(
        _open_request(user=user, school=school, kind=LinkRequest.Kind.PUPIL, child=None),
        user=user,
        pupil=pupil,
        guardian=None,
        differences=differences,
    )
    if pupil is not None and not differences:
        _link_pupil(pupil=pupil, account=user, actor=user, via="match", request=request)
    return request


def _request_as_guardian(*, user: User, school: School, child: ChildData) -> LinkRequest:
    if user.is_minor:
        raise DomainError(
            RegistryCode.MINOR_GUARDIAN,
            _("A guardian must be an adult: the account of a minor cannot be linked as a guardian."),
        )
    if fio_key(child.surname, child.given_name, child.patronymic) == account_fio_key(user) and (
        child.birth_date == user.birth_date
    ):
        raise _separate_accounts()
    pupil = _named_child(school=school, child=child)
    guardian = None
    differences = [NOT_FOUND]
    if pupil is not None:
        check_guardian_rules(account=user, pupil=pupil)
        found = _guardian_candidate(pupil=pupil, user=user)
        if found is not None:
            guardian = Guardian.objects.select_for_update().get(pk=found.pk)
            differences = [ALREADY_LINKED] if guardian.account_id is not None else guardian_differences(guardian, user)
    request = _settle(
        _open_request(user=user, school=school, kind=LinkRequest.Kind.GUARDIAN, child=child),
        user=user,
        pupil=pupil,
        guardian=guardian,
        differences=differences,
    )
    if guardian is not None and not differences:
        _link_guardian(guardian=guardian, account=user, actor=user, via="match", request=request)
    return request


@transaction.atomic
def end_link(*, actor: User, kind: str, record_id: int, reason: str = "") -> None:
    """End the link of a pupil record (``kind="pupil"``) or a guardian row (``"guardian"``) to its account.

    The linked person themself or a registrar of the school may end it; anyone else gets ``NotFound``.
    Whatever depended on the link ends with it: the grants a guardian made to trusted persons.
    """
    model: type[Pupil] | type[Guardian] = Pupil if kind == LinkRequest.Kind.PUPIL else Guardian
    linked = model.objects.select_for_update().filter(pk=record_id, account__isnull=False)
    record = cast("Pupil | Guardian", access.require(actor, "registry.link.end", linked.first()))
    account = cast(User, record.account)  # the filter above keeps linked records only
    record.account = None
    record.save(update_fields=["account"])
    record_event(actor=actor, action="registry.unlink", target=record, kind=kind, account=account.pk, reason=reason)
    if isinstance(record, Guardian):
        guardian_link_ended.send(sender=Guardian, guardian_id=record.pk, actor=actor)


# --- The registrar's side ----------------------------------------------------------------------------------


def _queued_request(registrar: User, request_id: int) -> LinkRequest:
    found = LinkRequest.objects.select_for_update(of=("self",)).select_related("account", "school")
    request = access.require(registrar, "registry.manage", found.filter(pk=request_id).first())
    if request.state != LinkRequest.State.PENDING:
        raise DomainError(RegistryCode.LINK_REQUEST_DECIDED, _("This request has already been decided."))
    return request


def _guardian_row_for(*, request: LinkRequest, pupil: Pupil) -> Guardian:
    key = account_fio_key(request.account)
    guardians = Guardian.objects.select_for_update().filter(pupil=pupil)
    guardian = guardians.filter(fio_key=key).first()
    if guardian is None and request.guardian_id is not None:
        guardian = guardians.filter(pk=request.guardian_id).first()
    if guardian is None:
        raise DomainError(
            RegistryCode.GUARDIAN_RECORD_MISSING,
            _("Add this person to the pupil's guardians in the registry first, then approve."),
        )
    if guardian.account_id not in (None, request.account_id):
        raise DomainError(
            RegistryCode.ALREADY_LINKED, _("This guardian record is linked to another account; end that link first.")
        )
    return guardian


@transaction.atomic
def approve_link_request(*, registrar: User, request_id: int, pupil_id: int | None = None) -> LinkRequest:
    """Link the person to ``pupil_id`` (a pupil of the request's school) or to the matched record.

    The registrar has usually corrected the registry record first; whatever still differs is kept in
    the audit trail. The separate-accounts and adult rules are checked again.
    """
    request = _queued_request(registrar, request_id)
    account = request.account
    if pupil_id is not None:
        pupils = Pupil.objects.select_for_update().filter(pk=pupil_id, school_id=request.school_id)
        pupil = access.require(registrar, "registry.manage", pupils.first())
    elif request.pupil_id is not None:
        pupil = Pupil.objects.select_for_update().get(pk=request.pupil_id)
    else:
        raise DomainError(RegistryCode.PUPIL_REQUIRED, _("Choose the pupil's record to link."), field="pupil_id")
    guardian = None
    if request.kind == LinkRequest.Kind.PUPIL:
        check_pupil_rules(account=account, pupil=pupil)
        if pupil.account_id is not None:
            raise DomainError(
                RegistryCode.ALREADY_LINKED, _("This pupil's record is linked to another account; end that link first.")
            )
        remaining = pupil_differences(pupil, account)
        _link_pupil(pupil=pupil, account=account, actor=registrar, via="registrar", request=request)
    else:
        check_guardian_rules(account=account, pupil=pupil)
        guardian = _guardian_row_for(request=request, pupil=pupil)
        remaining = guardian_differences(guardian, account)
        _link_guardian(guardian=guardian, account=account, actor=registrar, via="registrar", request=request)
    request.state, request.decided_at, request.decided_by = LinkRequest.State.LINKED, timezone.now(), registrar
    request.pupil, request.guardian = pupil, guardian
    request.save()
    record_event(
        actor=registrar,
        action="registry.link_request_approved",
        target=request,
        pupil=pupil.pk,
        guardian=guardian.pk if guardian else None,
        remaining_differences=remaining,
    )
    return request


@transaction.atomic
def reject_link_request(*, registrar: User, request_id: int, reason: str) -> LinkRequest:
    """Refuse the request with a reason the person reads in their cabinet."""
    request = _queued_request(registrar, request_id)
    reason = reason.strip()
    if not reason:
        raise DomainError(RegistryCode.REASON_REQUIRED, _("Write the reason: the person will read it."), field="reason")
    request.state, request.decided_at, request.decided_by = LinkRequest.State.REJECTED, timezone.now(), registrar
    request.reason = reason
    request.save(update_fields=["state", "decided_at", "decided_by", "reason"])
    record_event(actor=registrar, action="registry.link_request_rejected", target=request, reason=reason)
    return request


@transaction.atomic
def verify_snils_from_document(*, registrar: User, account_id: UUID | str, snils: str) -> User:
    """A registrar saw the person's SNILS document and typed its number: the account's SNILS becomes verified.

    Only for an account linked to a record of the registrar's own school (``NotFound`` otherwise); the
    number must be the one the account claims, so the registrar checks the document rather than a form.
    """
    account = access.require(registrar, "account.snils.verify", User.objects.filter(public_id=account_id).first())
    if not account.snils:
        raise DomainError(
            RegistryCode.SNILS_MISSING,
            _("The account has no SNILS yet: ask the person to enter it in their profile."),
            field="snils",
        )
    if snils != account.snils:
        raise DomainError(
            RegistryCode.SNILS_MISMATCH,
            _("The number in the document differs from the one in the profile: ask the person to correct it."),
            field="snils",
        )
    if not verify_snils(account=account, snils=snils, source=SnilsSource.REGISTRAR, actor=registrar):
        raise DomainError(
            PortalCode.SNILS_TAKEN,
            _("This SNILS is already verified for another account; contact the portal's support."),
        )
    return account


# --- The other direction: registry guardians to accounts ---------------------------------------------------


AUTO_LINK_BATCH = 1000


def _accounts_by_identifier(rows: Iterable[tuple[int, str, str, str, str]]) -> dict[tuple[str, str], list[User]]:
    phones, emails, snils_numbers = set(), set(), set()
    for _pk, _key, phone, email, snils in rows:
        if phone:
            phones.add(phone)
        if email:
            emails.add(email.strip().lower())
        if snils:
            snils_numbers.add(snils)
    if not (phones or emails or snils_numbers):
        return {}
    accounts = User.objects.filter(is_active=True).filter(
        Q(phone__in=phones, phone_confirmed_at__isnull=False)
        | Q(email__in=emails, email_confirmed_at__isnull=False)
        | Q(snils__in=snils_numbers, snils_verified_at__isnull=False)
    )
    found: dict[tuple[str, str], list[User]] = {}
    for account in accounts:
        if account.phone_confirmed and account.phone in phones:
            found.setdefault(("phone", account.phone), []).append(account)
        if account.email_confirmed and account.email in emails:
            found.setdefault(("email", account.email), []).append(account)
        if account.snils_verified and account.snils in snils_numbers:
            found.setdefault(("snils", account.snils), []).append(account)
    return found


def _auto_link(guardian_id: int, account: User) -> bool:
    with transaction.atomic():
        guardian = Guardian.objects.select_for_update().filter(pk=guardian_id, account__isnull=True).first()
        if guardian is None:
            return False
        pupil = Pupil.objects.get(pk=guardian.pupil_id)
        try:
            check_guardian_rules(account=account, pupil=pupil)
        except DomainError:
            return False
        _link_guardian(guardian=guardian, account=account, actor=None, via="auto", request=None)
        waiting = LinkRequest.objects.filter(
            account=account, kind=LinkRequest.Kind.GUARDIAN, pupil=pupil, state=LinkRequest.State.PENDING
        )
        waiting.update(state=LinkRequest.State.LINKED, guardian=guardian, decided_at=timezone.now())
        return True


def link_known_guardians(*, school_id: int | None = None, account_id: int | None = None) -> int:
    """Link unlinked registry guardians to accounts with the same FIO and a matching identifier.

    An identifier is the account's *confirmed* phone or *confirmed* email, or its *verified* SNILS; the FIO
    alone never links, nor does a SNILS the person merely typed. Limited to one school's guardians and/or
    to one account; returns how many links it made.
    Each link is its own transaction, so a long run never holds locks for long.
    """
    rows = Guardian.objects.filter(account__isnull=True)
    if school_id is not None:
        rows = rows.filter(pupil__school_id=school_id)
    if account_id is not None:
        account = User.objects.filter(pk=account_id, is_active=True).first()
        if account is None:
            return 0
        identifiers = [Q(snils=account.snils)] if account.snils_verified else []
        if account.phone_confirmed:
            identifiers.append(Q(phone=account.phone))
        if account.email_confirmed:
            identifiers.append(Q(email__iexact=account.email))
        if not identifiers:
            return 0
        any_identifier = identifiers[0]
        for identifier in identifiers[1:]:
            any_identifier |= identifier
        rows = rows.filter(any_identifier, fio_key=account_fio_key(account))
    linked, last_pk = 0, 0
    while True:
        batch = list(
            rows.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "fio_key", "phone", "email", "snils")[:AUTO_LINK_BATCH]
        )
        if not batch:
            return linked
        last_pk = batch[-1][0]
        accounts = _accounts_by_identifier(batch)
        for guardian_pk, key, phone, email, snils in batch:
            candidates = {
                account.pk: account
                for what, value in (("phone", phone), ("email", email.strip().lower()), ("snils", snils))
                if value
                for account in accounts.get((what, value), [])
                if account_fio_key(account) == key
            }
            if len(candidates) == 1 and _auto_link(guardian_pk, next(iter(candidates.values()))):
                linked += 1
