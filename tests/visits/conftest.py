"""Fixtures for visits and meals: the diary's school, a second school, and the schools' ingest systems.

An ingest system is registered as the operator would (``register_ingest_client``) and gets its token from
``/o/token/`` with ``grant_type=client_credentials``, as the real turnstile would.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.test import Client

from portal.models import User
from portal.services import register_oidc_client
from registry.models import Pupil, School, SchoolClass
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool, diary_school, make_pupil  # noqa: F401
from visits.ingest import register_ingest_client

HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
PERSON_CLIENT_ID = "visits-test-app"
PERSON_REDIRECT_URI = "http://127.0.0.1:8765/callback"


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def fetch_client_token(client_id: str, secret: str, scope: str | None = "ingest") -> Any:
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    return Client().post("/o/token/", data, HTTP_AUTHORIZATION=basic(client_id, secret))


@dataclass
class IngestSystem:
    """A school's turnstile or canteen system with a valid access token."""

    school: School
    client_id: str
    secret: str
    token: str
    http: CommittingClient

    def post(self, path: str, body: Any, **extra: Any) -> Any:
        return self.http.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.token}", **extra
        )

    def passes(self, events: list[Any]) -> Any:
        return self.post("/api/v1/ingest/passes", {"events": events})

    def meals(self, events: list[Any]) -> Any:
        return self.post("/api/v1/ingest/meals", {"events": events})


@pytest.fixture
def make_system(make_client: Any) -> Any:
    def _make(school: School, name: str = "Турникеты") -> IngestSystem:
        registered = register_ingest_client(school=school, name=name)
        response = fetch_client_token(registered.client_id, registered.client_secret)
        assert response.status_code == 200, response.content
        return IngestSystem(
            school=school,
            client_id=registered.client_id,
            secret=registered.client_secret,
            token=response.json()["access_token"],
            http=make_client(),
        )

    return _make


@pytest.fixture
def other_school(db: None) -> School:
    return School.objects.create(code="d2", name="Школа № 2")


@pytest.fixture
def other_pupil(other_school: School) -> Pupil:
    return make_pupil(SchoolClass.objects.create(school=other_school, grade=7, letter="А"), "Дмитриев", "Денис")


@pytest.fixture
def system(diary_school: DiarySchool, make_system: Any) -> IngestSystem:  # noqa: F811
    system: IngestSystem = make_system(diary_school.school)
    return system


def authorization_query(scope: str, verifier: str) -> str:
    """The query of an authorization request of a people's app (registered here) with PKCE."""
    register_oidc_client(name="Дневник — тест", client_id=PERSON_CLIENT_ID, redirect_uris=[PERSON_REDIRECT_URI])
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return urlencode(
        {
            "response_type": "code",
            "client_id": PERSON_CLIENT_ID,
            "redirect_uri": PERSON_REDIRECT_URI,
            "scope": scope,
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )


def person_token(user: User, scope: str = "openid") -> str:
    """A person's access token through the real authorization-code flow with PKCE."""
    browser = Client()
    browser.force_login(user)
    verifier = secrets.token_urlsafe(48)
    query = authorization_query(scope, verifier)
    page = browser.get(f"/o/authorize/?{query}")
    assert page.status_code == 200, page.status_code
    data = {name: html.unescape(value) for name, value in HIDDEN_INPUT.findall(page.content.decode())}
    answer = browser.post(f"/o/authorize/?{query}", {**data, "allow": "1"})
    assert answer.status_code == 302, answer.status_code
    code = parse_qs(urlparse(answer["Location"]).query)["code"][0]
    token = Client().post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": PERSON_CLIENT_ID,
            "redirect_uri": PERSON_REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.content
    access_token: str = token.json()["access_token"]
    return access_token
