"""Reading the one login field of the sign-in form: an email, a SNILS or a phone, in any spelling."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import DomainError
from portal.identity import is_valid_snils, normalize_snils_spelling, parse_mobile_phone

_SNILS_WITH_SEPARATORS = re.compile(r"^\d{3}[\s-]?\d{3}[\s-]?\d{3}[\s-]+\d{2}$")
_PHONE_DECORATION = re.compile(r"[\s\-()]")


@dataclass(frozen=True)
class LoginKeys:
    """What a typed login may mean. Eleven bare digits can be both a SNILS and a phone."""

    email: str | None = None
    snils: str | None = None
    phone: str | None = None

    @property
    def canonical(self) -> str:
        """A stable key for the same login however it was spelled (used to count failures)."""
        parts = [f"{kind}:{value}" for kind, value in self._asdict().items() if value]
        return "|".join(parts)

    def _asdict(self) -> dict[str, str | None]:
        return {"email": self.email, "snils": self.snils, "phone": self.phone}

    def __bool__(self) -> bool:
        return any(self._asdict().values())


def resolve_login(raw: str) -> LoginKeys:
    text = raw.strip()
    if not text:
        return LoginKeys()
    if "@" in text:
        return LoginKeys(email=text.lower())
    phone = _phone_or_none(text)
    if text.startswith("+"):
        return LoginKeys(phone=phone)
    snils = normalize_snils_spelling(text)
    if snils is not None and not is_valid_snils(snils):
        snils = None
    if snils and _SNILS_WITH_SEPARATORS.match(text):
        return LoginKeys(snils=snils)
    return LoginKeys(snils=snils, phone=phone)


def _phone_or_none(text: str) -> str | None:
    if not _PHONE_DECORATION.sub("", text).lstrip("+").isdigit():
        return None
    try:
        return parse_mobile_phone(text)
    except DomainError:
        return None
