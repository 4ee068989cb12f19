"""Background work of the portal, run by the task worker (``manage.py db_worker``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from core.sealed import open_sealed
from core.sms import send_sms
from portal.models import OneTimeCode

_PURPOSE_TEXT = {
    OneTimeCode.Purpose.CONFIRM_EMAIL: gettext_noop("Your code to confirm the email address on Dnevnik: {code}"),
    OneTimeCode.Purpose.CONFIRM_PHONE: gettext_noop("Your code to confirm the phone number on Dnevnik: {code}"),
    OneTimeCode.Purpose.RESET_PASSWORD: gettext_noop("Your code to reset the Dnevnik password: {code}"),
}

logger = logging.getLogger(__name__)


@task()
def deliver_code(*, channel: str, target: str, purpose: str, sealed_code: str, language: str = "ru") -> None:
    """Send one code by email or SMS, in the language the person used when asking for it.

    The code travels sealed (``core.sealed``): the task table and Redis keep the arguments long after the
    code is used. A code the worker reaches after its lifetime is not sent: it could not be entered anyway.
    """
    code = open_sealed(sealed_code, ttl=settings.CODE_LIFETIME)
    if code is None:
        logger.warning("A %s code for %s was not delivered: expired or unreadable", purpose, channel)
        return
    with translation.override(language):
        text = _(_PURPOSE_TEXT[OneTimeCode.Purpose(purpose)]).format(code=code)
        warning = _("The code is valid for 10 minutes. Never tell it to anyone, not even to staff.")
        if channel == OneTimeCode.Channel.EMAIL:
            send_mail(
                # The code only in the body: subjects show in notification previews, lock screens and mail logs.
                subject=_("Your Dnevnik code"),
                message=f"{text}\n\n{warning}\n",
                from_email=None,
                recipient_list=[target],
            )
        else:
            send_sms(to=target, text=f"{text}. {warning}")


@task()
def verify_snils_claim(*, account_id: int) -> bool:
    """Ask the configured SNILS verifier about the account's new SNILS; True if it verified it."""
    from portal import services  # cycle: the services enqueue this task

    return services.check_snils_with_verifier(account_id=account_id)
