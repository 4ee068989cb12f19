"""A test double of the pension fund's SNILS check, and the helper that verifies a SNILS through it.

``tests.conftest`` makes it the ``SNILS_VERIFIER`` of every test; it knows nobody until a test enrols a
person, so a SNILS typed into a profile stays unverified as with the embedded default.
"""

from __future__ import annotations

from typing import ClassVar

from django.test import TestCase

from portal.identity import name_key
from portal.models import User
from portal.snils import SnilsClaim
from portal.tasks import verify_snils_claim


class PensionFundDouble:
    """Confirms a claim when the SNILS was enrolled for the same surname and given name."""

    known: ClassVar[dict[str, tuple[str, str]]] = {}

    def verify(self, claim: SnilsClaim) -> bool:
        return self.known.get(claim.snils) == (name_key(claim.surname), name_key(claim.given_name))


def enrol(snils: str, surname: str, given_name: str) -> None:
    """The pension fund knows that ``snils`` is this person's."""
    PensionFundDouble.known[snils] = (name_key(surname), name_key(given_name))


def verify_through_pension_fund(user: User, *, tell: bool = True) -> User:
    """Verify the account's SNILS the way a deployment with the pension-fund check would: by the verifier task.

    With ``tell`` what follows the commit runs too (the person is told, waiting invitations reach them);
    fixtures pass ``False`` so that their setup leaves no notification in the story they prepare.
    """
    assert user.snils, "the account has no SNILS to verify"
    enrol(user.snils, user.surname, user.given_name)
    with TestCase.captureOnCommitCallbacks(execute=tell):
        assert verify_snils_claim.enqueue(account_id=user.pk).return_value is True
    user.refresh_from_db()
    return user
