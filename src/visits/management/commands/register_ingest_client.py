"""Register a school's turnstile or canteen system as a client of the ingest API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.models import School
from visits.ingest import register_ingest_client


class Command(BaseCommand):
    help = "Register an ingest client (OAuth2 client credentials) bound to one school; prints its secret once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="the school's code")
        parser.add_argument("--name", required=True, help="what the system is, e.g. «Турникеты, корпус 1»")

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.filter(code=options["school"]).first()
        if school is None:
            raise CommandError(f"No school with the code {options['school']!r}.")
        try:
            registered = register_ingest_client(school=school, name=options["name"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"school: {school.code} ({school.name})")
        self.stdout.write(f"client_id: {registered.client_id}")
        self.stdout.write(f"client_secret (shown once): {registered.client_secret}")
        self.stdout.write(
            "Tokens: POST /o/token/ with grant_type=client_credentials and scope=ingest, "
            "HTTP Basic client_id:client_secret."
        )
