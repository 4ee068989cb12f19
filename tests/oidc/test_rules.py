"""Each rule of the provider has its negative test: PKCE, redirects, codes, refresh tokens, grants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
from django.utils import timezone

from portal.models import User
from tests.conftest import PASSWORD
from tests.oidc.conftest import CLIENT_ID, REDIRECT_URI, Browser, Flow, Portal, api_me, redirect_params, refresh


def authorize_url(portal: Portal, **params: str) -> str:
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "s1",
        **params,
    }
    return requests.Request("GET", portal.discovery["authorization_endpoint"], params=query).prepare().url or ""


def signed_in_browser(portal: Portal) -> Browser:
    browser = Browser(portal)
    assert browser.sign_in().status_code == 302
    return browser


def test_missing_pkce_is_refused_at_authorize(portal: Portal, olga: User) -> None:
    response = signed_in_browser(portal).session.get(authorize_url(portal), allow_redirects=False)
    assert redirect_params(response)["error"] == "invalid_request"


def test_missing_pkce_is_refused_before_the_person_signs_in(portal: Portal) -> None:
    response = requests.get(authorize_url(portal), allow_redirects=False, timeout=10)
    params = redirect_params(response)
    assert params["error"] == "invalid_request"
    assert params["state"] == "s1"


PLAIN = {"code_challenge": "a" * 43, "code_challenge_method": "plain"}


def test_plain_pkce_is_refused_at_the_first_get_before_the_person_signs_in(portal: Portal) -> None:
    response = requests.get(authorize_url(portal, **PLAIN), allow_redirects=False, timeout=10)
    params = redirect_params(response)  # straight back to the client, not to the sign-in page
    assert params["error"] == "invalid_request"
    assert "plain" in params["error_description"]
    assert params["state"] == "s1"
    assert "code" not in params


def test_plain_pkce_is_refused_at_the_first_get_when_signed_in(portal: Portal, olga: User) -> None:
    response = signed_in_browser(portal).session.get(authorize_url(portal, **PLAIN), allow_redirects=False)
    params = redirect_params(response)  # no consent screen first
    assert params["error"] == "invalid_request"
    assert "code" not in params


def test_plain_pkce_with_an_unregistered_redirect_gets_an_error_page_not_a_redirect(portal: Portal) -> None:
    for params in ({"redirect_uri": "https://evil.example/cb"}, {"client_id": "nobody"}):
        response = requests.get(authorize_url(portal, **PLAIN, **params), allow_redirects=False, timeout=10)
        assert response.status_code == 400, params
        assert "Location" not in response.headers


def test_s256_still_goes_to_the_sign_in_page_first(portal: Portal) -> None:
    url = authorize_url(portal, code_challenge="a" * 43, code_challenge_method="S256")
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert urlparse(response.headers["Location"]).path == "/signin/"


def test_the_sign_in_page_names_the_app_that_asks(portal: Portal) -> None:
    url = authorize_url(portal, code_challenge="a" * 43, code_challenge_method="S256")
    browser = Browser(portal)
    sign_in_page = browser.session.get(url, headers={"Accept-Language": "ru"})
    assert urlparse(sign_in_page.url).path == "/signin/"
    assert "Вход для приложения «Дневник — тест»" in sign_in_page.text
    # Any other sign-in names no application.
    plain = browser.session.get(f"{portal.url}/signin/?next=/cabinet/", headers={"Accept-Language": "ru"})
    assert "Вход для приложения" not in plain.text
    unknown = browser.session.get(
        f"{portal.url}/signin/?next=/o/authorize/%3Fclient_id%3Dnobody", headers={"Accept-Language": "ru"}
    )
    assert "Вход для приложения" not in unknown.text


def test_an_unregistered_redirect_is_never_followed(portal: Portal, olga: User) -> None:
    browser = signed_in_browser(portal)
    for wrong in ("http://127.0.0.1:8765/callback/evil", "http://127.0.0.1:8766/callback", "https://evil.example/cb"):
        response = browser.session.get(
            authorize_url(portal, redirect_uri=wrong, code_challenge="a" * 43, code_challenge_method="S256"),
            allow_redirects=False,
        )
        assert response.status_code == 400, wrong
        assert "Location" not in response.headers


def test_an_unknown_client_is_refused(portal: Portal, olga: User) -> None:
    response = signed_in_browser(portal).session.get(
        authorize_url(portal, client_id="nobody", code_challenge="a" * 43, code_challenge_method="S256"),
        allow_redirects=False,
    )
    assert response.status_code == 400


def test_a_wrong_verifier_gets_no_tokens(flow: Flow) -> None:
    code = flow.code()
    flow.verifier = "x" * 50
    assert flow.exchange(code)["error"] == "invalid_grant"


def test_a_reused_code_is_refused_and_revokes_what_it_issued(flow: Flow, portal: Portal) -> None:
    code = flow.code()
    first = flow.exchange(code)
    assert first["status"] == 200
    assert api_me(portal, first["access_token"]).status_code == 200
    second = flow.exchange(code)
    assert (second["status"], second["error"]) == (400, "invalid_grant")
    assert api_me(portal, first["access_token"]).status_code == 401
    assert refresh(portal, first["refresh_token"]).status_code == 400


def test_a_code_lives_at_most_sixty_seconds(flow: Flow, time_machine: Any) -> None:
    code = flow.code()
    time_machine.move_to(timezone.now() + timedelta(seconds=61))
    assert flow.exchange(code)["error"] == "invalid_grant"


def test_a_reused_refresh_token_revokes_the_whole_family(flow: Flow, portal: Portal, time_machine: Any) -> None:
    token = flow.tokens()
    renewed = refresh(portal, token["refresh_token"]).json()
    assert "refresh_token" in renewed
    time_machine.move_to(timezone.now() + timedelta(seconds=11))  # past the retry window: a real replay
    replay = refresh(portal, token["refresh_token"])
    assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")
    assert refresh(portal, renewed["refresh_token"]).status_code == 400, "the thief's replay ends the family"
    assert api_me(portal, renewed["access_token"]).status_code == 401


def test_a_refresh_retried_within_seconds_keeps_the_person_signed_in(
    flow: Flow, portal: Portal, time_machine: Any
) -> None:
    """The answer to a refresh was lost on a flaky network and the app posts the same token again."""
    token = flow.tokens()
    first = refresh(portal, token["refresh_token"])
    assert first.status_code == 200
    assert api_me(portal, first.json()["access_token"]).status_code == 200
    time_machine.move_to(timezone.now() + timedelta(seconds=8))
    second = refresh(portal, token["refresh_token"])
    assert second.status_code == 200, second.content
    assert api_me(portal, second.json()["access_token"]).status_code == 200
    onwards = refresh(portal, second.json()["refresh_token"])
    assert onwards.status_code == 200, "the retried answer's refresh token keeps the family going"
    assert api_me(portal, onwards.json()["access_token"]).status_code == 200
    # The family never has two live branches: the answer the app never got is ended.
    assert api_me(portal, first.json()["access_token"]).status_code == 401


def test_the_lost_answer_presented_after_a_retry_ends_the_family(flow: Flow, portal: Portal) -> None:
    """Whoever holds the first answer after the retry (a thief who caught it) is replaying it."""
    token = flow.tokens()
    first = refresh(portal, token["refresh_token"]).json()
    second = refresh(portal, token["refresh_token"]).json()
    replay = refresh(portal, first["refresh_token"])
    assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")
    assert refresh(portal, second["refresh_token"]).status_code == 400
    assert api_me(portal, second["access_token"]).status_code == 401


def test_an_older_refresh_token_of_the_chain_is_a_replay_even_within_seconds(flow: Flow, portal: Portal) -> None:
    """Only the newest rotated token may be retried (django-oauth-toolkit #1617)."""
    token = flow.tokens()
    second = refresh(portal, token["refresh_token"]).json()
    third = refresh(portal, second["refresh_token"]).json()
    assert "access_token" in third
    assert refresh(portal, token["refresh_token"]).status_code == 400
    assert refresh(portal, third["refresh_token"]).status_code == 400, "the replay ended the family"
    assert api_me(portal, third["access_token"]).status_code == 401


def test_a_revoked_refresh_token_is_not_honoured_as_a_retry(flow: Flow, portal: Portal) -> None:
    token = flow.tokens()
    revoked = requests.post(
        portal.discovery["revocation_endpoint"],
        data={"token": token["refresh_token"], "token_type_hint": "refresh_token", "client_id": CLIENT_ID},
        timeout=10,
    )
    assert revoked.status_code == 200
    assert refresh(portal, token["refresh_token"]).status_code == 400


def test_refresh_tokens_live_thirty_days_from_the_sign_in_however_often_they_rotate(
    flow: Flow, portal: Portal, time_machine: Any
) -> None:
    start = timezone.now()
    token = flow.tokens()
    for day in (10, 20, 29):
        time_machine.move_to(start + timedelta(days=day))
        token = refresh(portal, token["refresh_token"]).json()
        assert "access_token" in token, day
    time_machine.move_to(start + timedelta(days=30, seconds=1))
    assert refresh(portal, token["refresh_token"]).status_code == 400


def test_access_tokens_expire_within_an_hour(flow: Flow, portal: Portal, time_machine: Any) -> None:
    token = flow.tokens()
    time_machine.move_to(timezone.now() + timedelta(hours=1, seconds=1))
    assert api_me(portal, token["access_token"]).status_code == 401


def test_no_password_grant(portal: Portal, olga: User) -> None:
    response = requests.post(
        portal.discovery["token_endpoint"],
        data={
            "grant_type": "password",
            "username": "olga@example.ru",
            "password": PASSWORD,
            "client_id": CLIENT_ID,
            "scope": "openid",
        },
        timeout=10,
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("unsupported_grant_type", "unauthorized_client")


def test_no_implicit_grant(portal: Portal, olga: User) -> None:
    response = signed_in_browser(portal).session.get(
        authorize_url(portal, response_type="token", code_challenge="a" * 43, code_challenge_method="S256"),
        allow_redirects=False,
    )
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        location = response.headers["Location"]
        assert "access_token" not in location
        assert parse_qs(urlparse(location).query)["error"][0] in ("unsupported_response_type", "unauthorized_client")


def test_a_token_dies_with_a_password_change(flow: Flow, portal: Portal, olga: User) -> None:
    token = flow.tokens()
    olga.set_password("Another-Good-Pass-5")
    olga.save()
    assert api_me(portal, token["access_token"]).status_code == 401
    assert (
        requests.get(
            portal.discovery["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {token['access_token']}"},
            timeout=10,
        ).status_code
        == 401
    )
    assert refresh(portal, token["refresh_token"]).status_code == 400


def test_a_token_dies_with_deactivation(flow: Flow, portal: Portal, olga: User) -> None:
    token = flow.tokens()
    User.objects.filter(pk=olga.pk).update(is_active=False)
    assert api_me(portal, token["access_token"]).status_code == 401
    assert refresh(portal, token["refresh_token"]).status_code == 400


def test_a_token_in_the_query_string_is_not_accepted(flow: Flow, portal: Portal) -> None:
    token = flow.tokens()
    response = requests.get(f"{portal.url}/api/v1/me?access_token={token['access_token']}", timeout=10)
    assert response.status_code == 401


def test_a_garbage_bearer_token_gets_401_with_the_error_shape(portal: Portal) -> None:
    response = requests.get(f"{portal.url}/api/v1/me", headers={"Authorization": "Bearer nonsense"}, timeout=10)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_consent_is_remembered_per_client_and_revocable_in_the_cabinet(flow: Flow, portal: Portal) -> None:
    token = flow.tokens()
    again = Flow(portal=portal, browser=flow.browser, client=portal.client())
    response = flow.browser.session.get(again.start(), allow_redirects=False)
    assert "code" in redirect_params(response), "no consent screen the second time"

    apps = flow.browser.session.get(f"{portal.url}/cabinet/apps/")
    assert "Дневник — тест" in apps.text
    consent_id = apps.text.split("/cabinet/apps/")[1].split("/")[0]
    flow.browser.session.post(
        f"{portal.url}/cabinet/apps/{consent_id}/revoke/", data={"csrfmiddlewaretoken": flow.browser.csrf()}
    )
    assert api_me(portal, token["access_token"]).status_code == 401
    assert refresh(portal, token["refresh_token"]).status_code == 400
    third = Flow(portal=portal, browser=flow.browser, client=portal.client())
    page = flow.browser.session.get(third.start(), allow_redirects=False)
    assert page.status_code == 200
    assert 'id="consent"' in page.text


def test_prompt_consent_shows_the_screen_again(flow: Flow, portal: Portal) -> None:
    flow.tokens()
    again = Flow(portal=portal, browser=flow.browser, client=portal.client())
    page = flow.browser.session.get(again.start(prompt="consent"), allow_redirects=False)
    assert 'id="consent"' in page.text


def test_denying_consent_returns_access_denied(flow: Flow) -> None:
    response = flow.browser.authorize(flow.start(), allow=False)
    assert redirect_params(response)["error"] == "access_denied"


def test_the_api_checks_the_tokens_scope(portal: Portal, olga: User) -> None:
    flow = Flow(portal=portal, browser=Browser(portal), client=portal.client(scope="email"))
    token = flow.tokens()
    assert "id_token" not in token
    response = api_me(portal, token["access_token"])
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert response.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="openid"'


def test_remembered_codes_are_forgotten_after_a_day(flow: Flow) -> None:
    from portal.models import RedeemedCode

    old = RedeemedCode.objects.create(code_checksum="0" * 64, redeemed_at=timezone.now() - timedelta(days=1, seconds=1))
    flow.tokens()
    assert not RedeemedCode.objects.filter(pk=old.pk).exists()
    assert RedeemedCode.objects.count() == 1
