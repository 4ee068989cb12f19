"""Pluggable verification of a SNILS against an outside authority (the state pension fund's check).

``settings.SNILS_VERIFIER`` names a class with ``verify(claim) -> bool``; the worker asks it after a
person enters or changes a SNILS (``portal.tasks.verify_snils_claim``). ``True`` means the authority
confirms that this SNILS belongs to this person; anything else leaves the SNILS unverified, to be
confirmed by a school registry link or a registrar. The embedded default, ``NoVerifier``, has no
authority to ask and verifies nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SnilsClaim:
    """What a person says about themself: the SNILS and the data an authority would compare it with."""

    snils: str
    surname: str
    given_name: str
    patronymic: str
    birth_date: date | None


class SnilsVerifier(Protocol):
    def verify(self, claim: SnilsClaim) -> bool: ...


class NoVerifier:
    """The embedded default: no outside authority, so nothing is verified automatically."""

    def verify(self, claim: SnilsClaim) -> bool:
        return False


def get_verifier() -> SnilsVerifier:
    verifier: SnilsVerifier = import_string(settings.SNILS_VERIFIER)()
    return verifier
