"""What the notifications say about events of the apps below ``notify`` (connected in ``NotifyConfig.ready``).

The portal may not import ``notify`` (it is below it), so it sends a signal and the words are written here.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from notify.models import Kind
from notify.services import in_site_language, notify
from portal.models import User


def tell_snils_verified(*, account: User, rivals: list[User], **kwargs: Any) -> None:
    """``portal.signals.snils_verified``: the owner may now use the SNILS; those who claimed it lost the claim."""
    with in_site_language():
        notify(
            kind=Kind.SNILS,
            user_ids=[account.pk],
            subject=str(_("Your SNILS is verified")),
            body=str(_("You can now sign in with your SNILS, and invitations by SNILS reach you.")),
            link="/cabinet/",
        )
        notify(
            kind=Kind.SNILS,
            user_ids=[rival.pk for rival in rivals],
            subject=str(_("The SNILS was removed from your profile")),
            body=str(
                _(
                    "The SNILS you entered was verified for another person's account, so it was removed from "
                    "your profile. If this SNILS is yours, contact the portal's support with your SNILS document."
                )
            ),
            link="/cabinet/",
        )
