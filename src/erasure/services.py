"""Retention, destruction records and account deletion: every write of ``erasure``.

The retention job (``sweep_retention``, in ``run_sweeps``) deletes what outlived its school's period and writes
one ``DestructionRecord`` per school and category that lost anything, so a second run deletes nothing and
writes nothing. A person's account deletion closes the account at once; ``sweep_account_deletions``
anonymises it after ``ACCOUNT_DELETION_GRACE``. A registrar erases a registry record with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib import auth
from django.db import transaction
from django.db.models import Count, Min, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.models import Grant as OAuthGrant

import access
from audit.services import record_event
from core.errors import DomainError
from erasure.errors import ErasureCode
from erasure.models import AccountDeletion, DestructionRecord, RetentionPolicy
from messaging.models import Thread
from notify.models import Notification, Preference, PushSubscription
from portal import throttle
from portal.models import User
from registry.models import Guardian, Pupil, School, StaffMember
from trust.models import View
from trust.services import end_grants_of_account
from visits.models import MealEvent, Pass

REASON_MAX_LENGTH = 1000
Category = DestructionRecord.Category
Rule = DestructionRecord.Rule


def policy_of(school: School) -> RetentionPolicy:
    """The school's periods, or the defaults (an unsaved row) when it never changed them; writes nothing."""
    try:
        return school.retention_policy
    except RetentionPolicy.DoesNotExist:
        return RetentionPolicy(school=school)


def _destroy(
    *,
    school: School | None,
    category: str,
    rule: str,
    rows: QuerySet[Any],
    moment: str,
    cutoff: datetime,
    actor: User | None = None,
    reason: str = "",
) -> DestructionRecord | None:
    """Delete ``rows`` and record it; nothing to delete writes nothing."""
    found = rows.aggregate(count=Count("pk"), first=Min(moment))
    if not found["count"]:
        return None
    rows.model._default_manager.filter(pk__in=rows.values("pk")).delete()
    return DestructionRecord.objects.create(
        school=school,
        category=category,
        rule=rule,
        count=found["count"],
        period_from=found["first"],
        period_to=cutoff,
        actor=actor,
        reason=reason,
    )


def _months(now: datetime, months: int) -> datetime:
    return now - relativedelta(months=months)


@dataclass(frozen=True)
class _Category:
    name: str
    rows: Callable[[School, datetime], QuerySet[Any]]
    moment: str
    period: Callable[[RetentionPolicy], int]


CATEGORIES = (
    _Category(
        Category.PASSES,
        lambda school, cutoff: Pass.objects.filter(school=school, occurred_at__lt=cutoff),
        "occurred_at",
        lambda policy: policy.passes_months,
    ),
    _Category(
        Category.MEALS,
        lambda school, cutoff: MealEvent.objects.filter(school=school, occurred_at__lt=cutoff),
        "occurred_at",
        lambda policy: policy.meals_months,
    ),
    _Category(
        Category.VIEWS,
        lambda school, cutoff: View.objects.filter(grant__pupil__school=school, viewed_at__lt=cutoff),
        "viewed_at",
        lambda policy: policy.views_months,
    ),
)


@transaction.atomic
def sweep_retention(*, now: datetime | None = None) -> list[DestructionRecord]:
    """Destroy what outlived each school's retention periods; the records written (none on a second run)."""
    now = now or timezone.now()
    written: list[DestructionRecord] = []
    policies = {policy.school_id: policy for policy in RetentionPolicy.objects.all()}
    for school in School.objects.order_by("pk"):
        policy = policies.get(school.pk) or RetentionPolicy(school=school)
        for category in CATEGORIES:
            cutoff = _months(now, category.period(policy))
            record = _destroy(
                school=school,
                category=category.name,
                rule=Rule.RETENTION,
                rows=category.rows(school, cutoff),
                moment=category.moment,
                cutoff=cutoff,
            )
            if record:
                written.append(record)
        # A pupil who left or graduated longer ago than the period: the record goes, with its marks and attendance.
        cutoff = now - relativedelta(years=policy.pupil_years_after_leaving)
        left = Pupil.objects.filter(school=school, status__in=[Pupil.Status.LEFT, Pupil.Status.GRADUATED])
        for pupil in left.filter(updated_at__lt=cutoff).order_by("pk"):
            written.append(_erase_pupil(pupil=pupil, rule=Rule.RETENTION, actor=None, reason="", cutoff=cutoff))
    # Notifications belong to the recipient, who may be a family of several schools: the default period.
    cutoff = _months(now, int(settings.RETENTION_DEFAULTS["notifications_months"]))
    record = _destroy(
        school=None,
        category=Category.NOTIFICATIONS,
        rule=Rule.RETENTION,
        rows=Notification.objects.filter(created_at__lt=cutoff),
        moment="created_at",
        cutoff=cutoff,
    )
    if record:
        written.append(record)
    for record in written:
        record_event(
            actor=record.actor,
            action="erasure.destroyed",
            target=record,
            category=record.category,
            count=record.count,
            rule=record.rule,
        )
    return written


def _erase_pupil(*, pupil: Pupil, rule: str, actor: User | None, reason: str, cutoff: datetime) -> DestructionRecord:
    """Delete the registry record with everything of the pupil (marks, attendance, passes, grants, threads)."""
    school = pupil.school
    Thread.objects.filter(pupil=pupil).delete()
    pupil.delete()
    return DestructionRecord.objects.create(
        school=school, category=Category.PUPIL, rule=rule, count=1, period_to=cutoff, actor=actor, reason=reason
    )


@transaction.atomic
def erase_pupil_record(*, registrar: User, student_id: str, reason: str) -> DestructionRecord:
    """A registrar of the pupil's school erases the record of a pupil who left, on a lawful ground given."""
    pupil = access.require(
        registrar, "registry.manage", Pupil.objects.select_related("school").filter(public_id=student_id).first()
    )
    reason = reason.strip()
    if not reason:
        raise DomainError(ErasureCode.REASON_REQUIRED, _("State the ground of the erasure."), field="reason")
    if pupil.status == Pupil.Status.STUDYING:
        raise DomainError(
            ErasureCode.PUPIL_STUDYING,
            _("The pupil still studies here: set the status «left» first."),
            field="student",
        )
    record = _erase_pupil(pupil=pupil, rule=Rule.REGISTRAR, actor=registrar, reason=reason, cutoff=timezone.now())
    record_event(actor=registrar, action="erasure.pupil_erased", target=record, school=record.school_id, reason=reason)
    return record


# --- Account deletion ---------------------------------------------------------------------------------------


def delete_account(*, request: HttpRequest | None, user: User, password: str) -> AccountDeletion:
    """Close the account at once: no sign-in, no session, no token, no grant; anonymised after the grace period.

    A staff account (a teacher, form tutor or registrar of a school) is refused: the school ends the role first.
    The password is checked, and a wrong one counted against the account's sign-in limit, outside the closing
    transaction, so that the refusal's rollback does not take the count back.
    """
    if not throttle.confirm_password(user, password):
        raise DomainError(ErasureCode.PASSWORD_WRONG, _("The password is wrong."), field="password")
    return _close_account(request=request, user=user)


@transaction.atomic
def _close_account(*, request: HttpRequest | None, user: User) -> AccountDeletion:
    if StaffMember.objects.filter(account=user).exists() or user.is_staff or user.is_superuser:
        raise DomainError(
            ErasureCode.STAFF_ACCOUNT,
            _("This account has a role in a school: ask the school's registrar to end it first."),
            field="password",
        )
    now = timezone.now()
    user.is_active = False
    # A new unusable password changes the session hash: every session of the account ends with it.
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password", "password_changed_at"])
    for family in RefreshToken.objects.filter(user=user, revoked__isnull=True).values_list("token_family", flat=True):
        RefreshToken.revoke_family(family)
    RefreshToken.objects.filter(user=user, revoked__isnull=True).update(revoked=now)
    AccessToken.objects.filter(user=user).delete()
    OAuthGrant.objects.filter(user=user).delete()
    ended = end_grants_of_account(account_id=user.pk, actor=user)
    deletion, _created = AccountDeletion.objects.update_or_create(
        account=user,
        defaults={"requested_at": now, "anonymise_after": now + settings.ACCOUNT_DELETION_GRACE, "anonymised_at": None},
    )
    record_event(actor=user, action="erasure.account_closed", target=user, grants_ended=ended)
    if request is not None:
        auth.logout(request)
    return deletion


@transaction.atomic
def sweep_account_deletions(*, now: datetime | None = None) -> int:
    """Anonymise the closed accounts whose grace period passed; the registry records they were linked to stay."""
    now = now or timezone.now()
    due = AccountDeletion.objects.select_related("account").filter(anonymise_after__lte=now, anonymised_at=None)
    done = 0
    for deletion in due.select_for_update(of=("self",)):
        account = deletion.account
        Pupil.objects.filter(account=account).update(account=None)
        Guardian.objects.filter(account=account).update(account=None)
        for model in (Notification, Preference, PushSubscription):
            model.objects.filter(user=account).delete()
        account.surname = "—"
        account.given_name = "—"
        account.patronymic = ""
        account.email = f"deleted-{account.public_id}@deleted.invalid"
        account.email_confirmed_at = None
        account.phone = ""
        account.phone_confirmed_at = None
        account.snils = None
        account.snils_verified_at = None
        account.snils_verified_by = ""
        account.birth_date = None
        account.save()
        deletion.anonymised_at = now
        deletion.save(update_fields=["anonymised_at"])
        record = DestructionRecord.objects.create(
            category=Category.ACCOUNT,
            rule=Rule.ACCOUNT_DELETION,
            count=1,
            period_from=account.date_joined,
            period_to=deletion.requested_at,
        )
        record_event(actor=None, action="erasure.account_anonymised", target=record, account=account.pk)
        done += 1
    return done


@transaction.atomic
def restore_account(*, account_id: int) -> User:
    """Support restores a closed account during its grace period (the person sets a new password by reset)."""
    deletion = AccountDeletion.objects.select_related("account").get(account_id=account_id, anonymised_at=None)
    account = deletion.account
    account.is_active = True
    account.save(update_fields=["is_active"])
    deletion.delete()
    record_event(actor=None, action="erasure.account_restored", target=account)
    return account
