"""Warnings for families from visits and meals: not at school by the first lesson, a low meal balance."""

from __future__ import annotations

from django_tasks import task


@task()
def check_low_balances(*, pupil_ids: list[int]) -> int:
    """Tell guardians whose threshold a pupil's balance fell below; returns how many were told."""
    raise NotImplementedError  # written with the family side of visits (issue 6)
