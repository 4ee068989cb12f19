"""The portal as an OpenID Connect provider: glue around django-oauth-toolkit.

What the toolkit does not do by itself and is done here:
- ``sub`` is the account's public id, never the database key; ``snils`` is a custom claim;
- a reused authorization code revokes the tokens it issued;
- a refresh-token family lives at most 30 days from the first sign-in, however often it rotates;
- tokens stop working at once when the account is deactivated or its password changes;
- consent is remembered per client (``ClientConsent``) and revocable in the cabinet;
- discovery at the site root lists only what is enabled (grant types, RS256);
- the scope ``ingest`` belongs to client-credentials applications (the schools' turnstile and canteen
  systems, ``visits.ingest``) and every other scope to applications people sign in to; a token
  without a person never authenticates as one;
- every API endpoint declares the scope a token needs (``api_auth``): a token without it gets 403
  ``insufficient_scope``, a bad token 401 ``invalid_token`` (RFC 6750 §3.1) and never falls through to
  the session, whose CSRF answer would hide what went wrong;
- a refresh retried within ``REFRESH_TOKEN_RETRY_SECONDS`` (a response lost on a mobile network) gets a
  fresh pair instead of ending the family; see ``PortalOAuth2Validator.validate_refresh_token``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db.models import F, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import AccessToken, RefreshToken, get_application_model
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import AuthorizationView, ConnectDiscoveryInfoView
from oauthlib.oauth2.rfc6749 import errors as oauth2_errors

from core.prepared import Prepared
from portal import services
from portal.identity import format_snils
from portal.models import ClientConsent, RedeemedCode, User
from portal.session_auth import verified_session
from portal.web import second_factor_step

# Scopes only a client-credentials application (a school's system, never a person) may hold.
MACHINE_SCOPES = frozenset({"ingest"})


def is_machine_client(application: Any) -> bool:
    grant_type = getattr(application, "authorization_grant_type", None)
    return bool(grant_type == get_application_model().GRANT_CLIENT_CREDENTIALS)


def checksum(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def tokens_still_honoured(user: User, issued_at: Any) -> bool:
    """A token dies with its account's deactivation or the next password change."""
    return bool(user.is_active and (user.password_changed_at is None or issued_at >= user.password_changed_at))


class PortalOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "middle_name": "profile",
        "birthdate": "profile",
        "family_name": "profile",
        "given_name": "profile",
        "name": "profile",
        "email": "email",
        "email_verified": "email",
        "phone_number": "phone",
        "phone_number_verified": "phone",
        "snils": "snils",
        "snils_verified": "snils",
    }

    def get_additional_claims(self) -> dict[str, Any]:  # type: ignore[override]
        # The form without ``request`` lets discovery list these names in claims_supported.
        return {
            "name": lambda request: request.user.full_name,
            "family_name": lambda request: request.user.surname,
            "given_name": lambda request: request.user.given_name,
            "middle_name": lambda request: request.user.patronymic,
            "birthdate": lambda request: request.user.birth_date.isoformat() if request.user.birth_date else None,
            "email": lambda request: request.user.email,
            "email_verified": lambda request: request.user.email_confirmed,
            "phone_number": lambda request: request.user.phone,
            "phone_number_verified": lambda request: request.user.phone_confirmed,
            "snils": lambda request: format_snils(request.user.snils) if request.user.snils else None,
            # Like email_verified: a typed SNILS is only a claim until a trusted source verifies it.
            "snils_verified": lambda request: request.user.snils_verified,
        }

    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        claims = super().get_claim_dict(request)
        claims["sub"] = lambda r: str(r.user.public_id)
        return claims

    def validate_redirect_uri(self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any) -> bool:
        # Exactly as registered, port included: the toolkit would follow RFC 8252 and accept any
        # port on a loopback address, but Dnevnik's clients register the port they listen on.
        return redirect_uri in request.client.redirect_uris.split()

    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_scopes(client_id, scopes, client, request, *args, **kwargs):
            return False
        machine = is_machine_client(client)
        return all((scope in MACHINE_SCOPES) == machine for scope in scopes)

    def get_default_scopes(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> list[str]:
        if is_machine_client(request.client):
            return sorted(MACHINE_SCOPES)
        return cast(list[str], super().get_default_scopes(client_id, request, *args, **kwargs))

    def validate_bearer_token(self, token: str, scopes: list[str], request: Any) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        if request.user is None:
            # A client-credentials token: no person whose deactivation it must follow. Who may use it
            # is decided by the endpoint (``BearerToken`` refuses it, the ingest API requires it).
            return True
        return tokens_still_honoured(request.user, request.access_token.created)

    def validate_refresh_token(self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any) -> bool:
        retried = self._retry_of_a_lost_answer(refresh_token, client, request)
        if not retried and not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        token: RefreshToken = request.refresh_token_instance
        started = RefreshToken.objects.filter(token_family=token.token_family).aggregate(first=Min("created"))["first"]
        lifetime = timedelta(seconds=settings.REFRESH_TOKEN_ABSOLUTE_SECONDS)
        if started is not None and started + lifetime <= timezone.now():
            RefreshToken.revoke_family(token.token_family)
            return False
        return tokens_still_honoured(request.user, started or token.created)

    def _retry_of_a_lost_answer(self, refresh_token: str, client: Any, request: Any) -> bool:
        """A refresh token rotated seconds ago whose answer never reached the app: honour it once more.

        The toolkit's own grace period (``REFRESH_TOKEN_GRACE_PERIOD_SECONDS``) answers such a retry with the
        tokens it issued the first time, read back from the database; with tokens stored hashed it has nothing
        to read back (its check ``oauth2_provider.E001`` forbids the combination). So the retry gets a new
        pair instead, and ``_save_bearer_token`` ends the pair the lost answer carried: the family never has
        two live branches, and whoever presents that lost pair later is replaying it and ends the family.
        Only the newest rotated token qualifies — its successor access token still exists, a later rotation
        deletes it — so a token several generations old is a replay inside the window too (DOT #1617).
        """
        window = timedelta(seconds=settings.REFRESH_TOKEN_RETRY_SECONDS)
        token = (
            RefreshToken.objects.filter(token_checksum=checksum(refresh_token), revoked__gt=timezone.now() - window)
            .order_by(F("revoked").desc())
            .first()
        )
        if token is None or token.application_id != getattr(client, "pk", None):
            return False
        successor = AccessToken.objects.filter(source_refresh_token=token).first()
        if successor is None or not RefreshToken.objects.filter(access_token=successor, revoked=None).exists():
            return False
        # What the toolkit's validate_refresh_token sets on success, for the grant and save_bearer_token.
        request.user = token.user
        request.refresh_token = refresh_token
        request.refresh_token_instance = token
        request.lost_answer = successor
        return True

    def _save_bearer_token(self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any) -> None:
        lost_answer = getattr(request, "lost_answer", None)
        if lost_answer is not None:
            # Inside the toolkit's transaction; frees the rotated token's successor slot for the new pair.
            for pair in RefreshToken.objects.filter(access_token=lost_answer):
                pair.revoke()
        super()._save_bearer_token(token, request, *args, **kwargs)

    def validate_code(self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any) -> bool:
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        # RFC 6749 §4.1.2: a code used twice revokes the tokens issued with it.
        redeemed = RedeemedCode.objects.filter(code_checksum=checksum(code)).first()
        if redeemed is not None:
            RefreshToken.revoke_family(redeemed.token_family)
            if redeemed.access_token_id is not None:
                AccessToken.objects.filter(pk=redeemed.access_token_id).delete()
        return False

    def save_bearer_token(self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any) -> None:
        super().save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type != "authorization_code":
            return
        refresh = RefreshToken.objects.filter(token_checksum=checksum(token.get("refresh_token", ""))).first()
        access = AccessToken.objects.filter(token_checksum=checksum(token["access_token"])).first()
        RedeemedCode.objects.create(
            code_checksum=checksum(request.code),
            token_family=refresh.token_family if refresh else None,
            access_token_id=access.pk if access else None,
        )
        # The model promises a day: by then every code it remembers is long expired anyway.
        RedeemedCode.objects.filter(redeemed_at__lt=timezone.now() - timedelta(days=1)).delete()


class PortalDiscoveryView(ConnectDiscoveryInfoView):
    """``/.well-known/openid-configuration`` listing only what this provider accepts."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        document = json.loads(super().get(request, *args, **kwargs).content)
        document["grant_types_supported"] = ["authorization_code", "refresh_token", "client_credentials"]
        document["id_token_signing_alg_values_supported"] = ["RS256"]
        document["token_endpoint_auth_methods_supported"] = ["none", "client_secret_basic", "client_secret_post"]
        document["revocation_endpoint"] = request.build_absolute_uri("/o/revoke_token/")
        document["prompt_values_supported"] = ["none", "login", "consent"]
        # The machine scope is no business of the people's applications that read this document.
        document["scopes_supported"] = [s for s in document["scopes_supported"] if s not in MACHINE_SCOPES]
        return JsonResponse(document, headers={"Access-Control-Allow-Origin": "*"})


def asking_application(next_url: str) -> Any | None:
    """The application whose authorization request sent the person to sign in, from the sign-in's ``next``.

    Only a ``next`` pointing at this provider's authorize endpoint names one (the sign-in page then says which
    app asks); an unknown ``client_id`` names none.
    """
    parsed = urlsplit(next_url)
    if parsed.path != reverse("oauth2_provider:authorize"):
        return None
    client_id = parse_qs(parsed.query).get("client_id", [""])[0]
    return get_application_model().objects.filter(client_id=client_id).first() if client_id else None


class PortalAuthorizationView(AuthorizationView):
    """The consent screen, skipped when the person already agreed to these scopes for this client.

    The request is checked before anything is shown, signed in or not: a missing PKCE challenge (oauthlib,
    with ``PKCE_REQUIRED``) and a ``plain`` one (which the toolkit would refuse only when the consent is
    posted, after the person has signed in and pressed «Разрешить») go back to the client at once.
    """

    template_name = "portal/oidc_consent.html"

    def _refusal(self) -> HttpResponse | None:
        """The error answer to an authorization request this provider will not serve, or None."""
        try:
            _scopes, credentials = self.validate_authorization_request(self.request)
        except OAuthToolkitError as error:
            # A bad client_id or redirect_uri is fatal: an error page, never a redirect there.
            return self.error_response(error, application=None)
        if credentials.get("code_challenge_method") == "plain":
            refused = oauth2_errors.InvalidRequestError(
                description='Unsupported "plain" code_challenge_method; use "S256".', state=credentials.get("state")
            )
            application = get_application_model().objects.get(client_id=credentials["client_id"])
            return self.error_response(
                OAuthToolkitError(error=refused, redirect_uri=credentials["redirect_uri"]), application
            )
        return None

    def handle_no_permission(self) -> HttpResponse:  # type: ignore[override]  # an error page is no redirect
        # Before the sign-in page: a request that cannot succeed is refused without asking anyone to sign in.
        # prompt=none is the toolkit's own (it validates and answers login_required).
        if self.request.method == "GET" and "none" not in self.request.GET.get("prompt", "").split():
            refusal = self._refusal()
            if refusal is not None:
                return refusal
        return cast(HttpResponse, super().handle_no_permission())

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The same second step as the site's: a staff person signing an app in passes the second factor first.
        step = second_factor_step(request)
        if step is not None:
            return step
        return cast(HttpResponse, super().dispatch(request, *args, **kwargs))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = self._refusal()
        if refusal is not None:
            return refusal
        response = super().get(request, *args, **kwargs)
        asks_consent = "consent" in request.GET.get("prompt", "").split()
        if response.status_code != 200 or asks_consent or not hasattr(self, "oauth2_data"):
            return response
        application = self.oauth2_data["application"]
        scopes = set(self.oauth2_data["scopes"])
        if not ClientConsent.objects.covers(user=request.user, application=application, scopes=scopes):
            return response
        try:
            scopes_list, credentials = self.validate_authorization_request(request)
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes_list), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        return self.redirect(uri, application)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if form.cleaned_data.get("allow") and response.status_code in (301, 302):
            application = get_application_model().objects.get(client_id=form.cleaned_data["client_id"])
            services.record_client_consent(
                user=cast(User, self.request.user), application=application, scopes=form.cleaned_data["scope"].split()
            )
        return response


class InvalidToken(AuthenticationError):
    """401: the bearer token is unknown, expired, revoked, or not a person's (RFC 6750 ``invalid_token``)."""

    www_authenticate = 'Bearer error="invalid_token"'


class InsufficientScope(Exception):
    """403: a valid token the person did not grant this endpoint's scope (RFC 6750 ``insufficient_scope``)."""

    def __init__(self, scopes: Sequence[str]) -> None:
        super().__init__(" ".join(scopes))
        self.scopes = tuple(scopes)

    @property
    def www_authenticate(self) -> str:
        if not self.scopes:
            return 'Bearer error="insufficient_scope"'
        return f'Bearer error="insufficient_scope", scope="{" ".join(self.scopes)}"'


def _fields(model: Any) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


_TOKEN, _ACCOUNT = _fields(AccessToken), _fields(User)
_TOKEN_QUERY = Prepared(
    lambda checksum: (
        AccessToken.objects.filter(token_checksum=checksum)
        .order_by()
        .values_list(*_TOKEN, *(f"user__{name}" for name in _ACCOUNT))[:1]
    ),
    checksum=str,
)


def _token_with_account(token_checksum: str) -> AccessToken | None:
    """The access token with this checksum and its account, in one query compiled once (``core.prepared``)."""
    rows = _TOKEN_QUERY.rows(checksum=token_checksum)
    if not rows:
        return None
    row, db = rows[0], AccessToken.objects.db
    found = AccessToken.from_db(db, _TOKEN, row[: len(_TOKEN)])
    account = row[len(_TOKEN) :]
    found.user = User.from_db(db, _ACCOUNT, account) if account[0] is not None else None
    return found


class BearerToken(HttpBearer):
    """``Authorization: Bearer`` with a person's access token of this provider, scope-checked.

    Every scope in ``scopes`` must be in the token. No scopes means the endpoint declared none: every
    token is refused with 403 (only the session passes), so forgetting a declaration fails closed.
    A request that carries a bearer token is decided here — a bad one raises instead of returning None,
    because Ninja would then try the session and answer "CSRF check failed" to a POST.
    A client-credentials token (no person behind it) is refused: it must never act as somebody.
    """

    def __init__(self, scopes: Sequence[str] = ()) -> None:
        super().__init__()
        self.scopes = tuple(scopes)

    def authenticate(self, request: HttpRequest, token: str) -> User:
        # Validity first, with no scope asked: a wrong scope and a dead token answer differently.
        access_token = self._valid_token(request, token)
        if access_token is None or access_token.user is None:
            raise InvalidToken()
        if not self.scopes or not access_token.allow_scopes(self.scopes):
            raise InsufficientScope(self.scopes)
        request.token_scopes = frozenset(access_token.scope.split())  # type: ignore[attr-defined]
        user: User = access_token.user
        return user

    @staticmethod
    def _valid_token(request: HttpRequest, token: str) -> AccessToken | None:
        """The access token, if it is known, unexpired and still honoured (``PortalOAuth2Validator``): one
        indexed lookup of its hash with its account, instead of building an oauthlib request (an eighth of the
        evening read's CPU). A token bound to a resource (RFC 8707), which needs the audience check, takes the
        toolkit's whole path."""
        found = _token_with_account(checksum(token))
        if found is None or found.resource:
            if found is None:
                return None
            valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
            return oauth_request.access_token if valid else None
        if found.is_expired():
            return None
        if found.user is not None and not tokens_still_honoured(found.user, found.created):
            return None
        return found


def api_auth(*scopes: str) -> list[Any]:
    """The ``auth=`` of a person's API endpoint: a token holding ``scopes``, or the web session (with CSRF).

    The bearer check goes first: once it raises, Ninja does not try the session. The session writes only once
    it has passed the second factor where the person's role requires one (``portal.session_auth``).
    """
    return [BearerToken(scopes), verified_session]


def token_scopes(request: HttpRequest) -> frozenset[str] | None:
    """The scopes of the token that authenticated ``request``; None for the session, which may do everything."""
    scopes: frozenset[str] | None = getattr(request, "token_scopes", None)
    return scopes
