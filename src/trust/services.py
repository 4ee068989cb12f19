"""Writes of the trusted-persons service: invite, answer, activate, revoke, leave, and the view log.

The inviter is never told whether an account matches an invitation: every check that refuses an
invitation uses only what the inviter typed, their own account and the child's registry record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

import access
from audit.services import record_event
from core.errors import Conflict, DomainError, RateLimited
from core.periods import is_supported_date
from notify.models import Kind
from notify.services import in_site_language, notify
from portal.identity import parse_mobile_phone, parse_name, parse_snils
from portal.models import User
from portal.names import Grammatical, grammatical_gender
from registry.models import Guardian, Pupil
from trust import viewlog
from trust.errors import TrustCode
from trust.matching import addressees, invitations_for, is_addressed_to, surname_key
from trust.models import Grant, Notice, View

State = Grant.State


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# Reads of one section through one grant closer together than this are one visit in the log.
VIEW_MERGE_WINDOW = timedelta(minutes=5)


def record_view(*, grant_id: int, section: str, viewed_at: datetime | None = None) -> None:
    """A trusted person read the child's data through ``grant_id`` at ``viewed_at`` (now by default).

    Paging through a week is one visit, not a row per page: a read within ``VIEW_MERGE_WINDOW`` after the
    last one moves its time forward instead."""
    at = viewed_at or timezone.now()
    recent = View.objects.filter(
        grant_id=grant_id, section=section, viewed_at__gte=at - VIEW_MERGE_WINDOW, viewed_at__lte=at
    )
    if not recent.update(viewed_at=at):
        View.objects.create(grant_id=grant_id, section=section, viewed_at=at)


def record_grant_read(sender: object, *, grant_id: int, section: str, **kwargs: object) -> None:
    """The receiver of ``access.grant_read`` (connected in ``TrustConfig.ready``): the read is noted in the view
    log's spool, not the database, so that the read writes nothing; ``flush_views`` writes it."""
    viewlog.note(grant_id=grant_id, section=section)


def flush_views() -> int:
    """Write the reads noted in the spool to the view log, in one transaction; how many were written. Run by the
    sweep, the task worker and every read of the log (so the guardians never see it late)."""
    with viewlog.claimed() as noted:
        if not noted:
            return 0
        live = set(Grant.objects.filter(pk__in={one.grant_id for one in noted}).values_list("pk", flat=True))
        with transaction.atomic():
            for one in noted:
                if one.grant_id in live:  # a grant deleted since (its pupil removed) has no log to write to
                    record_view(grant_id=one.grant_id, section=one.section, viewed_at=one.viewed_at)
        return len(noted)


# --- Messages -------------------------------------------------------------------------------------------------


def _link(name: str, grant: Grant | None = None) -> str:
    """The page of ``name``: «Подписки» for the trusted person, the child's list for a guardian (with ``grant``)."""
    return reverse(name, kwargs={"student_id": grant.pupil.public_id} if grant is not None else None)


def _facts(grant: Grant, services: Sequence[Grant] = ()) -> dict[str, str]:
    pupil = grant.pupil
    names = [str(each.get_service_display()) for each in (services or [grant])]
    return {
        "child": pupil.full_name,
        "class": str(pupil.school_class),
        "service": ", ".join(names),
        "inviter": grant.inviter.full_name,
        "invitee": grant.invitee.full_name if grant.invitee is not None else grant.invitee_surname,
    }


def _tell(
    kind: str,
    user_ids: Iterable[int],
    grant: Grant,
    subject: Any,
    body: Any,
    link: str,
    *,
    services: Sequence[Grant] = (),
) -> None:
    """Fill the message in with the grant's facts and notify, in the site's language."""
    with in_site_language():
        facts = _facts(grant, services)
        if grant.opens_by is not None:
            facts["opens_by"] = formats.date_format(timezone.localtime(grant.opens_by), "DATETIME_FORMAT")
        notify(kind=kind, user_ids=user_ids, subject=str(subject) % facts, body=str(body) % facts, link=link)


def _accepted_text(invitee: User) -> Any:
    """«… принял приглашение» or «… приняла приглашение»: Russian past tense agrees with the invitee."""
    if grammatical_gender(given_name=invitee.given_name, patronymic=invitee.patronymic) == Grammatical.FEMALE:
        return pgettext_lazy(
            "female",
            "%(invitee)s accepted the invitation to %(service)s; access opens by %(opens_by)s. "
            "If you do not know this person, revoke the access on the child's page.",
        )
    return pgettext_lazy(
        "male",
        "%(invitee)s accepted the invitation to %(service)s; access opens by %(opens_by)s. "
        "If you do not know this person, revoke the access on the child's page.",
    )


def _guardian_accounts(grant: Grant) -> list[int]:
    return access.related_accounts([grant.pupil_id], [access.Relation.GUARDIAN])[grant.pupil_id]


def _tell_invited(grants: Sequence[Grant], accounts: Iterable[User]) -> int:
    """Tell each adult account of the invitation (one or two grants of one child), once per account and grant:
    a ``Notice`` row remembers it. Returns how many accounts were told."""
    candidates = [account.pk for account in accounts if account.is_active and not account.is_minor]
    told: set[int] = set()
    for grant in grants:
        already = set(
            Notice.objects.filter(grant=grant, account_id__in=candidates).values_list("account_id", flat=True)
        )
        fresh = [account_id for account_id in candidates if account_id not in already]
        Notice.objects.bulk_create([Notice(grant=grant, account_id=account_id) for account_id in fresh])
        told.update(fresh)
    if told:
        _tell(
            Kind.INVITATION_RECEIVED,
            told,
            grants[0],
            gettext_lazy("%(inviter)s invites you to be a trusted person"),
            gettext_lazy("%(child)s, %(class)s: %(service)s. Answer in «Subscriptions»."),
            _link("trust:subscriptions"),
            services=grants,
        )
    return len(told)


# --- Inviting -------------------------------------------------------------------------------------------------


def _guarded_pupil(inviter: User, student_id: UUID | str) -> tuple[Pupil, Guardian]:
    """The child (locked while its grants are counted) and the inviter's guardian record of it."""
    guardian = access.guardian_record(inviter, student_id)
    pupil = Pupil.objects.select_for_update().select_related("school_class").get(pk=guardian.pupil_id)
    return pupil, guardian


def _services(services: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(services))
    if not chosen or any(service not in Grant.Service.values for service in chosen):
        raise DomainError(
            TrustCode.INVALID_SERVICE,
            gettext_lazy("Choose the service: the diary or visits and meals."),
            field="service",
        )
    return chosen


def _ends_at(ends_on: date | None) -> datetime | None:
    """Access lasts through the whole of ``ends_on`` in the site's time zone."""
    if ends_on is None:
        return None
    if ends_on < timezone.localdate():
        raise DomainError(TrustCode.INVALID_END, gettext_lazy("The end date cannot be in the past."), field="ends_on")
    if not is_supported_date(ends_on):
        raise DomainError(TrustCode.INVALID_END, gettext_lazy("The end date is too far away."), field="ends_on")
    return timezone.make_aware(datetime.combine(ends_on + timedelta(days=1), time.min))


def _names_family(*, inviter: User, pupil: Pupil, key: str, snils: str, phone: str) -> bool:
    """The invitation names the inviter or the child themself: told only from what the inviter knows."""
    names_inviter = key == surname_key(inviter.surname) and (
        (snils and snils == inviter.snils) or (phone and phone == inviter.phone)
    )
    names_child = bool(snils and pupil.snils and snils == pupil.snils)
    return bool(names_inviter or names_child)


def _check_rate(inviter: User, now: datetime) -> None:
    limit = int(_setting("TRUST_INVITES_PER_HOUR", 20))
    window = timedelta(hours=1)
    # One invitation may make two grants (both services): they share their creation time.
    recent = sorted(
        set(Grant.objects.filter(inviter=inviter, created_at__gt=now - window).values_list("created_at", flat=True))
    )
    if recent and len(recent) >= limit:
        retry_after = max(1, int((recent[-max(limit, 1)] + window - now).total_seconds()) + 1)
        raise RateLimited(
            TrustCode.TOO_MANY_INVITATIONS,
            gettext_lazy("Too many invitations in an hour. Please try again later."),
            retry_after=retry_after,
        )


@transaction.atomic
def invite_trusted_person(
    *,
    inviter: User,
    student_id: UUID | str,
    services: Sequence[str],
    surname: str,
    snils: str = "",
    phone: str = "",
    ends_on: date | None = None,
) -> list[Grant]:
    """Invite a person named by surname and SNILS or phone to read one child's ``services`` (a grant each)."""
    pupil, guardian = _guarded_pupil(inviter, student_id)
    if inviter.is_minor:
        raise DomainError(TrustCode.MINOR_CANNOT_INVITE, gettext_lazy("A minor cannot invite trusted persons."))
    access.require(inviter, "trust.manage", pupil)  # the policy decides; the checks above only explain
    surname = parse_name(surname, field="surname")
    snils, phone = snils.strip(), phone.strip()
    if not snils and not phone:
        raise DomainError(
            TrustCode.CONTACT_REQUIRED,
            gettext_lazy("Enter the person's SNILS or mobile phone as well as the surname."),
            field="snils",
        )
    snils = parse_snils(snils, field="snils") if snils else ""
    phone = parse_mobile_phone(phone, field="phone") if phone else ""
    chosen = _services(services)
    ends_at = _ends_at(ends_on)
    key = surname_key(surname)
    if _names_family(inviter=inviter, pupil=pupil, key=key, snils=snils, phone=phone):
        raise DomainError(
            TrustCode.CANNOT_INVITE_FAMILY,
            gettext_lazy("A guardian or the child already has access; invite someone else."),
            field="surname",
        )
    live = Grant.objects.filter(pupil=pupil, state__in=Grant.LIVE_STATES).exclude(ends_at__lte=timezone.now())
    same_person = Q(invitee_surname_key=key) & (
        (Q(invitee_snils=snils) if snils else Q(pk__in=[])) | (Q(invitee_phone=phone) if phone else Q(pk__in=[]))
    )
    cap = int(_setting("TRUST_MAX_LIVE_GRANTS", 10))
    for service in chosen:
        if live.filter(same_person, service=service).exists():
            raise DomainError(
                TrustCode.ALREADY_INVITED,
                gettext_lazy("This person is already invited for this service."),
                field="service",
            )
        if live.filter(service=service).count() >= cap:
            raise DomainError(
                TrustCode.TOO_MANY_GRANTS,
                ngettext_lazy(
                    "A child may have at most %(count)d trusted person per service; revoke one first.",
                    "A child may have at most %(count)d trusted persons per service; revoke one first.",
                    "count",
                )
                % {"count": cap},
                field="service",
            )
    now = timezone.now()
    _check_rate(inviter, now)
    expires_at = now + timedelta(days=int(_setting("TRUST_INVITATION_DAYS", 30)))
    grants = [
        Grant.objects.create(
            pupil=pupil,
            service=service,
            inviter=inviter,
            guardian=guardian,
            invitee_surname=surname,
            invitee_surname_key=key,
            invitee_snils=snils,
            invitee_phone=phone,
            created_at=now,
            expires_at=expires_at,
            ends_at=ends_at,
        )
        for service in chosen
    ]
    for grant in grants:
        record_event(
            actor=inviter,
            action="trust.invite",
            target=grant,
            pupil=pupil.pk,
            service=grant.service,
            by_snils=bool(snils),
            by_phone=bool(phone),
            ends_at=ends_at.isoformat() if ends_at else None,
        )
    _tell_invited(grants, addressees(grants[0]))
    return grants


def deliver_waiting_invitations(*, account_id: int) -> int:
    """Tell the account of pending invitations that name it now and that it was not told of (after it
    registered, confirmed a phone or changed its surname or SNILS); returns how many."""
    user = User.objects.filter(pk=account_id, is_active=True).first()
    if user is None or user.is_minor:
        return 0
    told = 0
    with transaction.atomic():
        waiting = (
            Grant.objects.filter(invitations_for(user), state=State.PENDING, expires_at__gt=timezone.now())
            .exclude(notices__account=user)
            .select_related("pupil__school_class", "inviter")
        )
        for grant in waiting:
            told += _tell_invited([grant], [user])
    return told


# --- Answering ------------------------------------------------------------------------------------------------


def _locked(grant_id: int) -> Grant | None:
    return (
        Grant.objects.select_for_update(of=("self",))
        .select_related("pupil__school_class", "inviter")
        .filter(pk=grant_id)
        .first()
    )


def _wrong_state() -> Conflict:
    return Conflict(
        TrustCode.WRONG_STATE, gettext_lazy("This invitation or access is no longer in a state that allows it.")
    )


def _open_invitation(user: User, grant_id: int) -> Grant:
    """A pending, unexpired invitation addressed to ``user``; else ``NotFound``."""
    grant = _locked(grant_id)
    if (
        grant is not None
        and user.is_authenticated
        and user.is_minor
        and grant.invitee_id is None
        and is_addressed_to(grant, user)
    ):
        raise DomainError(TrustCode.MINOR_CANNOT_BE_TRUSTED, gettext_lazy("A minor cannot be a trusted person."))
    grant = access.require(user, "subscription.answer", grant)
    if grant.state != State.PENDING or grant.expires_at <= timezone.now():
        raise _wrong_state()
    return grant


def _enqueue_activation(grant_id: int, run_after: datetime) -> None:
    from trust.tasks import activate_grant  # cycle: the task runs this module's services

    if run_after <= timezone.now():
        activate_grant.enqueue(grant_id=grant_id)
    elif activate_grant.get_backend().supports_defer:
        activate_grant.using(run_after=run_after).enqueue(grant_id=grant_id)
    # else: a backend that cannot wait leaves it to the sweep, which opens it by ``opens_by`` at the latest


@transaction.atomic
def accept_invitation(*, user: User, grant_id: int) -> Grant:
    """The invitee accepts: access opens by ``opens_by`` (the activation task, or the sweep)."""
    grant = _open_invitation(user, grant_id)
    if access.holds(user, grant.pupil, access.Relation.SELF, access.Relation.GUARDIAN):
        raise DomainError(TrustCode.ALREADY_FAMILY, gettext_lazy("You already see this child's data."))
    if (
        Grant.objects.filter(
            pupil=grant.pupil, service=grant.service, invitee=user, state__in=(State.ACCEPTED, State.ACTIVE)
        )
        .exclude(ends_at__lte=timezone.now())
        .exists()
    ):
        raise DomainError(TrustCode.ALREADY_TRUSTED, gettext_lazy("You already have this access for this child."))
    now = timezone.now()
    grant.invitee, grant.answered_at, grant.state = user, now, State.ACCEPTED
    grant.opens_by = now + _setting("TRUST_ACTIVATION_WINDOW", timedelta(hours=24))
    grant.save(update_fields=["invitee", "answered_at", "state", "opens_by"])
    record_event(actor=user, action="trust.accept", target=grant, pupil=grant.pupil_id, service=grant.service)
    _tell(
        Kind.INVITATION_ACCEPTED,
        _guardian_accounts(grant),
        grant,
        gettext_lazy("%(child)s: an invitation was accepted"),
        _accepted_text(user),
        _link("trust:student", grant),
    )
    run_after = now + _setting("TRUST_ACTIVATION_DELAY", timedelta(0))
    transaction.on_commit(lambda: _enqueue_activation(grant.pk, run_after))
    return grant


@transaction.atomic
def decline_invitation(*, user: User, grant_id: int) -> Grant:
    grant = _open_invitation(user, grant_id)
    grant.invitee, grant.answered_at, grant.state = user, timezone.now(), State.DECLINED
    grant.save(update_fields=["invitee", "answered_at", "state"])
    record_event(actor=user, action="trust.decline", target=grant, pupil=grant.pupil_id, service=grant.service)
    return grant


@transaction.atomic
def activate_grant(*, grant_id: int) -> Grant | None:
    """Open an accepted grant; anything else (already active, revoked meanwhile…) is left as it is."""
    grant = _locked(grant_id)
    if grant is None or grant.state != State.ACCEPTED:
        return None
    grant.state, grant.activated_at = State.ACTIVE, timezone.now()
    grant.save(update_fields=["state", "activated_at"])
    record_event(actor=None, action="trust.activate", target=grant, pupil=grant.pupil_id, service=grant.service)
    _tell(
        Kind.ACCESS_OPENED,
        _guardian_accounts(grant),
        grant,
        gettext_lazy("%(child)s: trusted access is open"),
        gettext_lazy("%(invitee)s now sees %(service)s of %(child)s, %(class)s."),
        _link("trust:student", grant),
    )
    if grant.invitee_id is not None:
        _tell(
            Kind.ACCESS_OPENED,
            [grant.invitee_id],
            grant,
            gettext_lazy("%(child)s: your access is open"),
            gettext_lazy("You can now see %(service)s of %(child)s, %(class)s."),
            _link("trust:subscriptions"),
        )
    return grant


# --- Ending ---------------------------------------------------------------------------------------------------


def _end(grant: Grant, *, state: str, by: User | None, reason: str) -> None:
    grant.state, grant.ended_at, grant.ended_by, grant.end_reason = state, timezone.now(), by, reason
    grant.save(update_fields=["state", "ended_at", "ended_by", "end_reason"])


def _revoke(grant: Grant, *, by: User | None, reason: str) -> None:
    """End a live grant (a guardian's revoke, or the guardian link ending), audit it and tell the invitee."""
    was = grant.state
    _end(grant, state=State.REVOKED, by=by, reason=reason)
    record_event(
        actor=by,
        action="trust.revoke",
        target=grant,
        pupil=grant.pupil_id,
        service=grant.service,
        was=was,
        reason=reason,
    )
    if grant.invitee_id is not None:
        _tell(
            Kind.ACCESS_REVOKED,
            [grant.invitee_id],
            grant,
            gettext_lazy("%(child)s: trusted access ended"),
            gettext_lazy("The guardian ended your access to %(service)s of %(child)s, %(class)s."),
            _link("trust:subscriptions"),
        )


@transaction.atomic
def revoke_grant(*, user: User, grant_id: int) -> Grant:
    """A guardian of the child ends an invitation or a grant; the very next request no longer opens anything."""
    grant = access.require(user, "grant.manage", _locked(grant_id))
    if grant.state not in Grant.LIVE_STATES:
        raise _wrong_state()
    _revoke(grant, by=user, reason="revoked")
    return grant


@transaction.atomic
def leave_grant(*, user: User, grant_id: int) -> Grant:
    """The trusted person gives the access up."""
    grant = access.require(user, "grant.leave", _locked(grant_id))
    if grant.state not in (State.ACCEPTED, State.ACTIVE):
        raise _wrong_state()
    _end(grant, state=State.LEFT, by=user, reason="left")
    record_event(actor=user, action="trust.leave", target=grant, pupil=grant.pupil_id, service=grant.service)
    _tell(
        Kind.ACCESS_REVOKED,
        _guardian_accounts(grant),
        grant,
        gettext_lazy("%(child)s: a trusted person gave up access"),
        gettext_lazy("The trusted person no longer reads %(service)s of %(child)s."),
        _link("trust:student", grant),
    )
    return grant


@transaction.atomic
def end_grants_of_guardian(*, guardian_id: int, actor: User | None, reason: str = "guardian_link_ended") -> int:
    """The guardian link ``guardian_id`` ended (or a registrar restricted that guardian, ``reason``
    ``guardian_restricted``): so does every live grant made through it; returns how many. A grant ended so is
    not restored when a restriction ends."""
    ended = 0
    live = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("pupil__school_class", "inviter")
        .filter(guardian_id=guardian_id, state__in=Grant.LIVE_STATES)
    )
    for grant in live:
        _revoke(grant, by=actor, reason=reason)
        ended += 1
    return ended


@transaction.atomic
def end_grants_of_account(*, account_id: int, actor: User | None) -> int:
    """The account is closed: every live grant it gave (as a guardian) or holds or was invited to ends."""
    ended = 0
    live = (
        Grant.objects.select_for_update(of=("self",))
        .select_related("pupil__school_class", "inviter")
        .filter(Q(inviter_id=account_id) | Q(invitee_id=account_id), state__in=Grant.LIVE_STATES)
    )
    for grant in live:
        _revoke(grant, by=actor, reason="account_closed")
        ended += 1
    return ended


def sweep_grants(*, now: datetime | None = None) -> dict[str, int]:
    """Open accepted grants whose ``opens_by`` passed (the activation task missed them), expire unanswered
    invitations, and end grants whose end date passed (``active_grants`` has stopped opening them already;
    this frees their place under the cap and tells the trusted person)."""
    now = now or timezone.now()
    ended = 0
    for grant_id in Grant.objects.filter(state__in=Grant.LIVE_STATES, ends_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            grant = _locked(grant_id)
            if grant is None or grant.state not in Grant.LIVE_STATES:
                continue
            _end(grant, state=State.EXPIRED, by=None, reason="end_date")
            record_event(actor=None, action="trust.end", target=grant, pupil=grant.pupil_id, service=grant.service)
            if grant.invitee_id is not None:
                _tell(
                    Kind.ACCESS_REVOKED,
                    [grant.invitee_id],
                    grant,
                    gettext_lazy("%(child)s: trusted access ended"),
                    gettext_lazy("Your access to %(service)s of %(child)s, %(class)s, reached its end date."),
                    _link("trust:subscriptions"),
                )
            ended += 1
    activated = 0
    for grant_id in Grant.objects.filter(state=State.ACCEPTED, opens_by__lte=now).values_list("pk", flat=True):
        if activate_grant(grant_id=grant_id) is not None:
            activated += 1
    expired = 0
    for grant_id in Grant.objects.filter(state=State.PENDING, expires_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            grant = Grant.objects.select_for_update().filter(pk=grant_id, state=State.PENDING).first()
            if grant is None:
                continue
            _end(grant, state=State.EXPIRED, by=None, reason="expired")
            record_event(actor=None, action="trust.expire", target=grant, pupil=grant.pupil_id, service=grant.service)
            expired += 1
    return {"activated": activated, "expired": expired, "ended": ended}
