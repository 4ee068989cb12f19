"""What the portal tells the apps above it, which it may not import (``docs/architecture.md``).

Each is sent inside the transaction of the change with ``account`` (a ``portal.models.User``); a receiver
that starts background work does it in ``transaction.on_commit``, so a rolled-back change starts nothing.
"""

from __future__ import annotations

from django.dispatch import Signal

# How others may identify the account changed: it is new, or its surname, its SNILS, its confirmed phone or
# the verification of its SNILS changed (trust: invitations waiting for such a person may now reach it).
identity_changed = Signal()

# The account confirmed an email or a phone (``purpose``: a ``OneTimeCode.Purpose``) — registry: link the
# registry's guardians who carry it.
contact_confirmed = Signal()

# A trusted source verified the account's SNILS; ``rivals`` are the accounts that claimed the same number
# and lost the claim (notify: tell both).
snils_verified = Signal()

# Asked whenever the portal shows an account's roles (the cabinet, ``/me``): each receiver returns the roles
# its app knows the account to have (registry: guardian, pupil, and the staff roles), as a set of strings.
account_roles_asked = Signal()

# Asked when the cabinet (the start page after signing in) is shown, with ``account``: each receiver returns a
# ``portal.selectors.Panel`` to show on it, or None (news: the feed of announcements), in the receivers' order.
cabinet_panels_asked = Signal()
