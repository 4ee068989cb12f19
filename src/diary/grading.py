"""Arithmetic of marks: the 5-point equivalent, weighted averages, the target calculator and the trend.

Pure functions without the database, so every number a family sees can be checked by hand. Averages
are on the 5-point scale; a pass / fail mark counts towards nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

TWO_PLACES = Decimal("0.01")
# A mark set longer ago than this is changed "after the fact": the change needs a reason, and may be alerted.
REASON_AFTER = timedelta(hours=24)

# How a mark on each scale maps to the 5-point scale (a divisor); absent: not averaged.
_DIVISORS: dict[str, Decimal] = {"five": Decimal(1), "ten": Decimal(2), "hundred": Decimal(20)}


def to_five_point(value: str, scale: str) -> Decimal | None:
    """The mark on the 5-point scale (10-point / 2, 100-point / 20); ``None`` for pass / fail or junk."""
    divisor = _DIVISORS.get(scale)
    if divisor is None:
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return number / divisor


def round2(number: Decimal) -> Decimal:
    return number.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _running_sums(marks: Iterable[tuple[str, str, int]]) -> Iterator[tuple[Decimal, int]]:
    """Σ(mark × weight) and Σ weight after each ``(value, scale, weight)`` in turn; pass / fail, junk and
    weights below 1 add nothing."""
    points = Decimal(0)
    weights = 0
    for value, scale, weight in marks:
        five = to_five_point(value, scale)
        if five is not None and weight > 0:
            points += five * weight
            weights += weight
        yield points, weights


def _average(points: Decimal, weights: int) -> Decimal | None:
    return round2(points / weights) if weights else None


def weighted_average(marks: Iterable[tuple[str, str, int]]) -> Decimal | None:
    """Σ(mark × weight) / Σ weight over ``(value, scale, weight)``, to 2 places; ``None`` without marks."""
    last = deque(_running_sums(marks), maxlen=1)  # the sums after the last mark
    return _average(*last[0]) if last else None


def marks_needed(
    *, current: Sequence[tuple[Decimal, int]], target: Decimal, mark: int = 5, weight: int = 1
) -> int | None:
    """How many more marks ``mark`` of ``weight`` lift the average of ``current`` to at least ``target``.

    ``current`` holds ``(five_point_value, weight)``. 0 when the average is already there; ``None``
    when no number of such marks gets there (the target is above the mark, or the weight is not positive).
    The comparison is exact (before rounding), so "4.5" means 4.50 or more, not 4.495.
    """
    target = Decimal(target)
    points = sum((Decimal(value) * w for value, w in current), Decimal(0))
    weights = sum(w for _, w in current)
    if weights and points >= target * weights:
        return 0
    if weight <= 0:
        return None
    if not weights:
        return 1 if Decimal(mark) >= target else None
    if Decimal(mark) <= target:
        return None
    # (points + mark·weight·n) / (weights + weight·n) ≥ target
    #   ⇔  n ≥ (target·weights − points) / (weight·(mark − target))
    shortfall = target * weights - points
    step = weight * (Decimal(mark) - target)
    needed = -(-shortfall // step)  # ceiling division on Decimals
    return int(needed)


Trend = Literal["up", "down", "flat"]


def trend(averages: Sequence[Decimal | None]) -> Trend:
    """Where the running average went with the latest mark: up, down, or flat (also with fewer than two)."""
    known = [value for value in averages if value is not None]
    if len(known) < 2:
        return "flat"
    last, previous = known[-1], known[-2]
    if last > previous:
        return "up"
    if last < previous:
        return "down"
    return "flat"


def running_averages(marks: Iterable[tuple[str, str, int]]) -> list[Decimal | None]:
    """The weighted average after each mark in turn (the points of a trend and of a chart).

    ``weighted_average`` of each prefix, in one pass: the sums grow in the same order, so the Decimals are
    the same (a subject's twenty marks were two hundred parses of a mark when each prefix was summed again).
    """
    return [_average(points, weights) for points, weights in _running_sums(marks)]
