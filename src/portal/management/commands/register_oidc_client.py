"""Register (or update) a client application of "Sign in via the portal"."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.services import register_oidc_client


class Command(BaseCommand):
    help = "Register or update an OpenID Connect client (authorization code + PKCE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client_id")
        parser.add_argument("--name", required=True, help="shown to people on the consent screen")
        parser.add_argument(
            "--redirect-uri",
            action="append",
            required=True,
            dest="redirect_uris",
            help="exact redirect URI; repeat for several",
        )
        parser.add_argument(
            "--confidential", action="store_true", help="a server-side client with a secret (printed once)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            registered = register_oidc_client(
                name=options["name"],
                client_id=options["client_id"],
                redirect_uris=options["redirect_uris"],
                public=not options["confidential"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"client_id: {registered.application.client_id}")
        self.stdout.write(f"redirect URIs: {registered.application.redirect_uris}")
        if registered.client_secret:
            self.stdout.write(f"client_secret (shown once): {registered.client_secret}")
