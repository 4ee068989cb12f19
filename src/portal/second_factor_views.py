"""The pages of the second factor: the code step of a sign-in, «Вход и защита» in the cabinet (a TOTP app with
its QR code, passkeys, recovery codes). Thin: each reads a form and calls ``portal.second_factor``."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.models import Device

from core.errors import DomainError
from portal import forms, passkeys, second_factor
from portal.models import User
from portal.web import signed_in_user


def _safe(request: HttpRequest, target: str, default: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _step_subject(request: HttpRequest) -> User | None:
    """Whose second step this page asks for: the pending sign-in, or a signed-in session not yet verified."""
    pending = second_factor.pending_user(request)
    if pending is not None:
        return pending
    if request.user.is_authenticated and not second_factor.is_verified(request):
        user = signed_in_user(request)
        return user if second_factor.has_second_factor(user) else None
    return None


@never_cache
@sensitive_post_parameters("code")
def step(request: HttpRequest) -> HttpResponse:
    """«Второй шаг входа»: a code from the app, a recovery code, or a passkey."""
    user = _step_subject(request)
    if user is None:
        return redirect("portal:signin")
    next_url = _safe(
        request,
        second_factor.pending_next(request) or request.POST.get("next") or request.GET.get("next") or "",
        reverse("portal:cabinet"),
    )
    form = forms.SecondFactorForm(request.POST if request.method == "POST" else None)
    verified: list[second_factor.Verified] = []

    def check(data: dict[str, Any]) -> None:
        verified.append(second_factor.verify_code(request=request, user=user, code=data["code"]))

    if form.is_bound and form.submit(check):
        second_factor.finish(request=request, user=user, device=verified[0].device)
        left = verified[0].recovery_codes_left
        if left is not None:
            text = ngettext(
                "You signed in with a recovery code. %(count)d recovery code is left.",
                "You signed in with a recovery code. %(count)d recovery codes are left.",
                left,
            ) % {"count": left}
            messages.warning(request, text, extra_tags="recovery_codes_left")
        return redirect(next_url)
    status = 429 if form.rate_limited else 200
    response = render(
        request,
        "portal/second_factor.html",
        {
            "form": form,
            "next": next_url,
            "has_passkeys": bool(second_factor.passkeys(user)),
            "has_totp": second_factor.totp_device(user) is not None,
            "passkey_config": passkeys.configuration(request),
        },
        status=status,
    )
    if form.rate_limited is not None:
        response["Retry-After"] = str(form.rate_limited.retry_after)
    return response


def _verified_or_step(request: HttpRequest) -> HttpResponse | None:
    """The cabinet's security pages change the factors themselves: a session with a factor must have passed it."""
    user = signed_in_user(request)
    if second_factor.is_verified(request) or not second_factor.has_second_factor(user):
        return None
    return redirect(f"{reverse('portal:second_factor')}?next={request.path}")


@login_required
@never_cache
def security(request: HttpRequest) -> HttpResponse:
    """«Вход и защита»: the factors of the account, how to add one, the recovery codes left."""
    guard = _verified_or_step(request)
    if guard is not None:
        return guard
    user = signed_in_user(request)
    context = {
        "totp": second_factor.totp_device(user),
        "passkeys": second_factor.passkeys(user),
        "recovery_left": second_factor.recovery_codes_left(user),
        "required": second_factor.required_for(user),
        "passkey_config": passkeys.configuration(request),
        "continue_to": request.session.get(second_factor.ENROL_NEXT),
    }
    return render(request, "portal/security.html", context)


def _qr_data_uri(uri: str) -> str:
    # An <img> with a data: URI: the CSP allows data: images, and no inline SVG or style is needed.
    data_uri: str = segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")
    return data_uri


@login_required
@never_cache
@sensitive_post_parameters("code")
def totp(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), then enter its first code."""
    guard = _verified_or_step(request)
    if guard is not None:
        return guard
    user = signed_in_user(request)
    device = second_factor.start_totp(request=request, user=user)
    form = forms.CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.submit(
        lambda data: second_factor.confirm_totp(request=request, user=user, code=data["code"])
    ):
        messages.success(request, _("The authenticator app is set up."), extra_tags="totp_enrolled")
        if second_factor.SHOWN_CODES in request.session:
            return redirect("portal:recovery_codes")
        return redirect("portal:security")
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": second_factor.secret_groups(device),
    }
    response = render(request, "portal/totp.html", context, status=429 if form.rate_limited else 200)
    if form.rate_limited is not None:
        response["Retry-After"] = str(form.rate_limited.retry_after)
    return response


@login_required
@never_cache
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, shown once; a POST makes ten new ones (the old stop working)."""
    guard = _verified_or_step(request)
    if guard is not None:
        return guard
    user = signed_in_user(request)
    if request.method == "POST":
        if not second_factor.has_second_factor(user):
            raise Http404
        second_factor.regenerate_recovery_codes(request=request, user=user)
        return redirect("portal:recovery_codes")
    codes = second_factor.take_codes_to_show(request)
    continue_to = _safe(request, request.session.get(second_factor.ENROL_NEXT) or "", reverse("portal:security"))
    if codes:
        request.session.pop(second_factor.ENROL_NEXT, None)
    context = {"codes": codes, "left": second_factor.recovery_codes_left(user), "continue_to": continue_to}
    return render(request, "portal/recovery_codes.html", context)


@login_required
@require_POST
def remove(request: HttpRequest, kind: str, device_id: int) -> HttpResponse:
    """Turn off the authenticator app or one passkey (404 for anything not the person's own)."""
    guard = _verified_or_step(request)
    if guard is not None:
        return guard
    user = signed_in_user(request)
    found: Device | None = second_factor.totp_device(user) if kind == "totp" else None
    if kind == "passkey":
        found = next((key for key in second_factor.passkeys(user) if key.pk == device_id), None)
    if found is None or found.pk != device_id:
        raise Http404
    try:
        second_factor.remove_device(request=request, user=user, device=found)
    except DomainError as error:
        messages.error(request, str(error.message), extra_tags=str(error.code))
    else:
        messages.success(request, _("The second factor is turned off."), extra_tags="factor_removed")
    return redirect("portal:security")
