"""The whole "Sign in via the portal" flow, driven by an independent client library (Authlib)."""

from __future__ import annotations

from typing import Any

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from portal.models import User
from tests.oidc.conftest import CLIENT_ID, Flow, Portal, api_me


def verify_id_token(portal: Portal, id_token: str, nonce: str) -> dict[str, Any]:
    keys = KeySet.import_key_set(requests.get(portal.discovery["jwks_uri"], timeout=10).json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": portal.url},
        aud={"essential": True, "value": CLIENT_ID},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        exp={"essential": True},
    ).validate(token.claims)
    assert token.header["alg"] == "RS256"
    return dict(token.claims)


def test_discovery_lists_only_what_is_enabled(portal: Portal) -> None:
    document = portal.discovery
    assert document["issuer"] == portal.url
    for endpoint in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "end_session_endpoint",
    ):
        assert document[endpoint].startswith(portal.url), endpoint
    # client_credentials serves only the schools' turnstile and canteen systems (scope "ingest").
    assert document["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials"]
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    # The machine scope "ingest" is for the schools' systems and is not advertised to people's applications.
    assert set(document["scopes_supported"]) == {
        "openid",
        "profile",
        "email",
        "phone",
        "snils",
        "diary.read",
        "visits.read",
        "trust",
        "teacher.write",
        "notifications",
        "messages",
        "absence",
        "export",
        "consent",
    }
    assert {"sub", "family_name", "given_name", "middle_name", "birthdate", "email", "phone_number", "snils"} <= set(
        document["claims_supported"]
    )


def test_the_full_flow(flow: Flow, portal: Portal, olga: User) -> None:
    token = flow.tokens()
    assert token["token_type"] == "Bearer"
    assert 0 < token["expires_in"] <= 3600

    claims = verify_id_token(portal, token["id_token"], flow.nonce)
    assert claims["sub"] == str(olga.public_id)
    assert claims["sub"] != str(olga.pk)
    assert (claims["family_name"], claims["given_name"], claims["middle_name"]) == ("Смирнова", "Ольга", "Игоревна")
    assert (claims["snils"], claims["snils_verified"]) == ("112-233-445 95", False)

    userinfo = flow.client.get(portal.discovery["userinfo_endpoint"]).json()
    assert userinfo == {
        "sub": str(olga.public_id),
        "name": "Смирнова Ольга Игоревна",
        "family_name": "Смирнова",
        "given_name": "Ольга",
        "middle_name": "Игоревна",
        "birthdate": "1986-03-14",
        "email": "olga@example.ru",
        "email_verified": True,
        "phone_number": "+79123456789",
        "phone_number_verified": True,
        "snils": "112-233-445 95",
        "snils_verified": False,  # typed at registration; nobody has verified it
    }
    assert api_me(portal, token["access_token"]).json()["id"] == str(olga.public_id)

    renewed = flow.client.refresh_token(portal.discovery["token_endpoint"], refresh_token=token["refresh_token"])
    assert renewed["refresh_token"] != token["refresh_token"]
    assert api_me(portal, renewed["access_token"]).status_code == 200
    assert api_me(portal, token["access_token"]).status_code == 401, "the old access token went with rotation"

    flow.client.revoke_token(
        portal.discovery["revocation_endpoint"], token=renewed["access_token"], token_type_hint="access_token"
    )
    assert api_me(portal, renewed["access_token"]).status_code == 401
    assert (
        requests.get(
            portal.discovery["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {renewed['access_token']}"},
            timeout=10,
        ).status_code
        == 401
    )


def test_claims_follow_the_scopes(portal: Portal, olga: User) -> None:
    from tests.oidc.conftest import Browser

    flow = Flow(portal=portal, browser=Browser(portal), client=portal.client(scope="openid email"))
    token = flow.tokens()
    claims = verify_id_token(portal, token["id_token"], flow.nonce)
    assert "email" in claims
    assert not {"snils", "family_name", "phone_number", "birthdate"} & set(claims)
    assert "snils" not in flow.client.get(portal.discovery["userinfo_endpoint"]).json()


def test_the_consent_screen_names_the_client_and_what_it_will_see(flow: Flow) -> None:
    page = flow.browser.session.get(flow.start())
    if "/signin/" in page.url:
        flow.browser.sign_in()
        page = flow.browser.session.get(flow.url)
    text = page.text
    assert "Дневник — тест" in text
    assert "СНИЛС" in text
    assert 'data-testid="allow"' in text


def test_the_sub_is_stable_across_sign_ins(portal: Portal, olga: User) -> None:
    from tests.oidc.conftest import Browser

    subs = {
        verify_id_token(
            portal,
            (f := Flow(portal=portal, browser=Browser(portal), client=portal.client())).tokens()["id_token"],
            f.nonce,
        )["sub"]
        for _ in range(2)
    }
    assert subs == {str(olga.public_id)}
