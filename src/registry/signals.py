"""What the registry tells the apps above it, which it may not import (``docs/architecture.md``).

Sent inside the transaction of the change, so a receiver's writes commit or roll back with it.
"""

from __future__ import annotations

from django.dispatch import Signal

# A guardian's link to an account ended (unlinked, or the guardian row removed): what the link opened
# ends with it (trust: the grants that guardian made). Sent with ``guardian_id`` and ``actor`` (a User
# or None), before the row is deleted.
guardian_link_ended = Signal()

# A registrar's restriction of a guardian came into force (custody limits): what that guardian opened for the
# child ends (trust: the grants they gave; messaging: their threads about the child close to them). Sent with
# ``guardian_id``, ``pupil_id``, ``account_id`` (or None) and ``actor`` (a User, or None from the sweep).
guardian_restricted = Signal()
