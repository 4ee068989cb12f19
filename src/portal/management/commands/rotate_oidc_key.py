"""Replace the ID-token signing key; the old one stays in the JWKS until its tokens expire."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from portal import oidc_keys


class Command(BaseCommand):
    help = "Rotate the RS256 key in var/oidc-keys (restart the server and worker afterwards)."

    def handle(self, *args: Any, **options: Any) -> None:
        retired = oidc_keys.rotate(settings.OIDC_KEY_DIR)
        self.stdout.write(f"New signing key made; the previous one is kept as {retired} while tokens it signed live.")
        self.stdout.write("Restart the web server and the task worker to use it.")
