"""Writes of the family side of visits and meals: a guardian's low-balance threshold."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

import access
from audit.services import record_event
from core.errors import DomainError
from registry.models import Pupil
from visits.alerts import check_low_balances
from visits.errors import VisitsCode
from visits.models import LowBalanceThreshold

MAX_THRESHOLD_RUB = Decimal(100000)


def _kopecks(amount_rub: Decimal) -> int:
    if not amount_rub.is_finite() or amount_rub < 0 or amount_rub > MAX_THRESHOLD_RUB:
        raise DomainError(VisitsCode.INVALID_THRESHOLD, _("Enter an amount from 0 to 100 000 roubles."), field="amount")
    kopecks = amount_rub * 100
    if kopecks != kopecks.to_integral_value():
        raise DomainError(
            VisitsCode.INVALID_THRESHOLD,
            _("Enter the amount in roubles with at most two decimal places."),
            field="amount",
        )
    return int(kopecks)


@transaction.atomic
def set_low_balance_threshold(*, user: Any, student_id: Any, amount_rub: Decimal | None) -> LowBalanceThreshold | None:
    """Set (or, with ``None``, clear) the caller's threshold for the child's meal balance.

    Only an adult linked guardian may (``trust.manage``): the pupil and trusted persons read the balance
    but do not decide who is warned. A new (or changed) threshold starts un-notified and is checked at
    once, so a balance already below it is told once, as a later fall would be.
    """
    pupil = access.require(user, "trust.manage", Pupil.objects.by_public_id(student_id).first())
    if amount_rub is None:
        deleted, _rows = LowBalanceThreshold.objects.filter(account=user, pupil=pupil).delete()
        if deleted:
            record_event(actor=user, action="visits.threshold_clear", target=pupil)
        return None
    amount = _kopecks(amount_rub)
    threshold = LowBalanceThreshold.objects.select_for_update().filter(account=user, pupil=pupil).first()
    if threshold is None:
        threshold = LowBalanceThreshold.objects.create(account=user, pupil=pupil, amount=amount)
    elif threshold.amount != amount:
        threshold.amount, threshold.notified_at = amount, None
        threshold.save(update_fields=["amount", "notified_at"])
    record_event(actor=user, action="visits.threshold_set", target=pupil, amount=amount)
    pupil_ids = [pupil.pk]
    transaction.on_commit(lambda: check_low_balances.enqueue(pupil_ids=pupil_ids))
    return threshold
