"""A live portal, a registered client, and a person who signs in through the real forms."""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.utils import timezone

from portal.models import User
from portal.services import register_oidc_client
from tests.conftest import PASSWORD

CLIENT_ID = "test-mobile"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
ALL_SCOPES = "openid profile email phone snils"
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@dataclass
class Portal:
    """The provider under test, seen from outside: its URL and its discovery document."""

    url: str
    discovery: dict[str, Any] = field(default_factory=dict)

    def client(self, scope: str = ALL_SCOPES, **kwargs: Any) -> OAuth2Session:
        return OAuth2Session(
            CLIENT_ID,
            redirect_uri=REDIRECT_URI,
            scope=scope,
            code_challenge_method="S256",
            token_endpoint_auth_method="none",
            **kwargs,
        )


class Browser:
    """What a person's browser does: follows the portal's pages, signs in, answers the consent screen."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.session = requests.Session()

    def absolute(self, location: str) -> str:
        return urljoin(self.portal.url, location)

    def csrf(self) -> str:
        return self.session.cookies.get("csrftoken") or ""

    def sign_in(self, login: str = "olga@example.ru", password: str = PASSWORD, next_url: str = "") -> Any:
        signin = self.absolute("/signin/" + (f"?next={quote(next_url)}" if next_url else ""))
        self.session.get(signin)
        return self.session.post(
            signin,
            data={"login": login, "password": password, "next": next_url, "csrfmiddlewaretoken": self.csrf()},
            allow_redirects=False,
        )

    def authorize(self, url: str, *, allow: bool = True) -> requests.Response:
        """Open an authorization URL; sign in and answer the consent screen if they come. Ends at the client."""
        response = self.session.get(url, allow_redirects=False)
        if response.status_code == 302 and urlparse(response.headers["Location"]).path == "/signin/":
            next_url = parse_qs(urlparse(response.headers["Location"]).query)["next"][0]
            response = self.sign_in(next_url=next_url)
            assert response.status_code == 302, "sign-in failed"
            response = self.session.get(self.absolute(response.headers["Location"]), allow_redirects=False)
        if response.status_code == 200 and 'id="consent"' in response.text:
            response = self.answer_consent(response, allow=allow)
        return response

    def answer_consent(self, page: requests.Response, *, allow: bool = True) -> requests.Response:
        data = {name: html.unescape(value) for name, value in HIDDEN_INPUT.findall(page.text)}
        data["csrfmiddlewaretoken"] = self.csrf()
        if allow:
            data["allow"] = "1"
        return self.session.post(page.url, data=data, allow_redirects=False)


def redirect_params(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, (response.status_code, response.text[:500])
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI), location
    return {key: values[0] for key, values in parse_qs(urlparse(location).query).items()}


@dataclass
class Flow:
    """One authorization-code flow with PKCE, step by step."""

    portal: Portal
    browser: Browser
    client: OAuth2Session
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    url: str = ""
    state: str = ""

    def start(self, **extra: Any) -> str:
        self.url, self.state = self.client.create_authorization_url(
            self.portal.discovery["authorization_endpoint"], code_verifier=self.verifier, nonce=self.nonce, **extra
        )
        return self.url

    def code(self) -> str:
        params = redirect_params(self.browser.authorize(self.url or self.start()))
        assert params["state"] == self.state
        return params["code"]

    def exchange(self, code: str) -> dict[str, Any]:
        response = requests.post(
            self.portal.discovery["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_id": CLIENT_ID,
                "code_verifier": self.verifier,
            },
            timeout=10,
        )
        return {"status": response.status_code, **response.json()}

    def tokens(self) -> dict[str, Any]:
        token = dict(
            self.client.fetch_token(
                self.portal.discovery["token_endpoint"], code=self.code(), code_verifier=self.verifier
            )
        )
        return token


def refresh(portal: Portal, refresh_token: str) -> requests.Response:
    return requests.post(
        portal.discovery["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT_ID},
        timeout=10,
    )


def api_me(portal: Portal, access_token: str) -> requests.Response:
    return requests.get(
        urljoin(portal.url, "/api/v1/me"), headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    )


@pytest.fixture
def portal(live_server: Any, transactional_db: None) -> Portal:
    register_oidc_client(name="Дневник — тест", client_id=CLIENT_ID, redirect_uris=[REDIRECT_URI], public=True)
    discovery = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10).json()
    return Portal(url=live_server.url, discovery=discovery)


@pytest.fixture
def olga(transactional_db: None) -> User:
    now = timezone.now()
    return User.objects.create_user(
        "olga@example.ru",
        PASSWORD,
        surname="Смирнова",
        given_name="Ольга",
        patronymic="Игоревна",
        phone="+79123456789",
        snils="11223344595",
        birth_date=date(1986, 3, 14),
        email_confirmed_at=now,
        phone_confirmed_at=now,
    )


@pytest.fixture
def flow(portal: Portal, olga: User) -> Flow:
    return Flow(portal=portal, browser=Browser(portal), client=portal.client())
