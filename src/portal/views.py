"""Web pages of the portal: thin wrappers that read a form, call one service and render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core.errors import DomainError, RateLimited
from core.forms import rate_limited_message
from portal import forms, identity, oidc, passkeys, second_factor, selectors, services, throttle
from portal.login import resolve_login
from portal.models import OneTimeCode
from portal.web import signed_in_user

RESET_LOGIN = "portal_reset_login"


def _formatted_phone(e164: str | None) -> str | None:
    """«+7 915 478-01-54» as people write it, not the stored ``+79154780154``."""
    return identity.format_phone(e164) if e164 else e164


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:cabinet")
    return render(request, "portal/home.html")


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def form_page(
    request: HttpRequest, template: str, context: dict[str, Any], *page_forms: forms.DomainForm
) -> HttpResponse:
    """The page with its forms; 429 with ``Retry-After`` when a rate limit refused one of them."""
    limited = next((form.rate_limited for form in page_forms if form.rate_limited is not None), None)
    response = render(request, template, context, status=429 if limited else 200)
    if limited is not None:
        response["Retry-After"] = str(limited.retry_after)
    return response


def _lookup_targets(*, email: str | None = None, phone: str | None = None, snils: str | None = None) -> list[str]:
    """The keys of the values whose "already used" answer a request may reveal."""
    values = {"email": email, "phone": phone, "snils": snils}
    return [throttle.target_key(kind, value) for kind, value in values.items() if value]


@sensitive_post_parameters("new_password", "new_password_again")
def register(request: HttpRequest) -> HttpResponse:
    form = forms.RegistrationForm(_posted(request))

    def create(data: dict[str, Any]) -> None:
        # Counted per address, and per email, phone and SNILS: the form's "already used" answers are no free lookup.
        throttle.attempt(
            request,
            per_address=throttle.REGISTER_ADDRESS,
            per_target=throttle.LOOKUP_TARGET,
            targets=_lookup_targets(email=data["email"], phone=data["phone"], snils=data["snils"]),
        )
        user = services.register_account(
            surname=data["surname"],
            given_name=data["given_name"],
            patronymic=data["patronymic"],
            email=data["email"],
            phone=data["phone"],
            password=data["new_password"],
            snils=data["snils"],
            birth_date=data["birth_date"],
            accepted_terms_via="web",  # the form's required «consent» box
        )
        services.start_session(request=request, user=user)

    if form.is_bound and form.submit(create):
        messages.success(request, _("The account is created. Enter the codes we sent to confirm your email and phone."))
        return redirect("portal:confirm")
    return form_page(request, "portal/register.html", {"form": form}, form)


@login_required
def confirm(request: HttpRequest) -> HttpResponse:
    """Both codes on one page: the email's and the phone's, each with its resend button."""
    user = signed_in_user(request)
    forms_by_channel = {"email": forms.CodeForm(prefix="email"), "phone": forms.CodeForm(prefix="phone")}
    if request.method == "POST":
        verb, _sep, channel = request.POST.get("action", "").partition("_")
        channel = "email" if channel == "email" else "phone"
        purpose = OneTimeCode.Purpose.CONFIRM_EMAIL if channel == "email" else OneTimeCode.Purpose.CONFIRM_PHONE
        if verb == "resend":
            try:
                throttle.attempt(request, per_address=throttle.CODE_ADDRESS)
                services.resend_confirmation(user=user, purpose=purpose)
            except DomainError as error:
                # The codes' own pauses say when in words; the address limit needs the minutes added.
                text = error.message
                if isinstance(error, RateLimited) and error.code == throttle.TOO_MANY_ATTEMPTS:
                    text = rate_limited_message(error)
                messages.error(request, text, extra_tags=error.code)
            else:
                messages.info(request, _("A new code is on its way."), extra_tags="code_sent")
            return redirect("portal:confirm")
        form = forms_by_channel[channel] = forms.CodeForm(request.POST, prefix=channel)
        if form.submit(lambda data: services.confirm_contact(user=user, purpose=purpose, code=data["code"])):
            messages.success(request, _("Confirmed."))
            return redirect("portal:cabinet" if user.contacts_confirmed else "portal:confirm")
    return render(
        request,
        "portal/confirm.html",
        {
            "email_form": forms_by_channel["email"],
            "phone_form": forms_by_channel["phone"],
            "pending_email": services.pending_contact(user, OneTimeCode.Purpose.CONFIRM_EMAIL),
            "pending_phone": _formatted_phone(services.pending_contact(user, OneTimeCode.Purpose.CONFIRM_PHONE)),
            "email_pending": services.confirmation_waiting(user, OneTimeCode.Purpose.CONFIRM_EMAIL),
            "phone_pending": services.confirmation_waiting(user, OneTimeCode.Purpose.CONFIRM_PHONE),
        },
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("portal:cabinet")


@sensitive_post_parameters("password")
def signin(request: HttpRequest) -> HttpResponse:
    """The password step; then the second factor where the account has one (``portal.second_factor``)."""
    form = forms.SignInForm(_posted(request))
    next_url = _safe_next(request)
    steps: list[second_factor.PasswordStep] = []

    def check(data: dict[str, Any]) -> None:
        user = services.check_password(request=request, login=data["login"], password=data["password"])
        steps.append(second_factor.after_password(request=request, user=user, next_url=next_url))

    if form.is_bound and form.submit(check):
        if steps[0].outcome == "second_factor":
            return redirect("portal:second_factor")
        if steps[0].outcome == "enrol":
            request.session[second_factor.ENROL_NEXT] = next_url
            messages.info(request, _("Your role requires a second factor. Set it up to continue."), extra_tags="enrol")
            return redirect("portal:security")
        return redirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "application": oidc.asking_application(next_url),
        "passkey_config": passkeys.configuration(request),
    }
    return render(request, "portal/signin.html", context)


@never_cache
@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    services.sign_out(request=request)
    messages.info(request, _("You have signed out."))
    return redirect("portal:signin")


def reset_request(request: HttpRequest) -> HttpResponse:
    form = forms.ResetRequestForm(_posted(request))

    def ask(data: dict[str, Any]) -> None:
        # Every typed login counts alike, known or not, so the limit tells nobody an account exists.
        login_key = throttle.target_key(
            "login", resolve_login(data["login"]).canonical or data["login"].strip().lower()
        )
        throttle.attempt(
            request, per_address=throttle.RESET_ADDRESS, per_target=throttle.RESET_LOGIN, targets=[login_key]
        )
        services.request_password_reset(login=data["login"])

    if form.is_bound and form.submit(ask):
        request.session[RESET_LOGIN] = form.cleaned_data["login"]
        return redirect("portal:reset_confirm")
    return form_page(request, "portal/reset_request.html", {"form": form}, form)


@sensitive_post_parameters("new_password", "new_password_again")
def reset_confirm(request: HttpRequest) -> HttpResponseBase:
    login = request.session.get(RESET_LOGIN)
    if not login:
        return redirect("portal:reset")
    form = forms.ResetForm(_posted(request))
    if form.is_bound and form.submit(
        lambda data: services.reset_password(login=login, code=data["code"], new_password=data["new_password"])
    ):
        request.session.pop(RESET_LOGIN, None)
        messages.success(request, _("The password is changed. Sign in with the new one."))
        return redirect("portal:signin")
    return render(request, "portal/reset_confirm.html", {"form": form, "login": login})


@login_required
def cabinet(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    account = selectors.account_profile(viewer=user)
    return render(request, "portal/cabinet.html", {"account": account, "panels": selectors.cabinet_panels(user)})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = forms.ProfileForm.for_user(user, _posted(request))

    def save(data: dict[str, Any]) -> None:
        if data.get("snils") and data["snils"] != user.snils:
            throttle.attempt(
                request,
                per_address=throttle.LOOKUP_ADDRESS,
                per_target=throttle.LOOKUP_TARGET,
                targets=_lookup_targets(snils=data["snils"]),
            )
        services.update_profile(user=user, **data)

    if form.is_bound and form.submit(save):
        messages.success(request, _("The profile is saved."))
        return redirect("portal:cabinet")
    return form_page(request, "portal/profile.html", {"form": form}, form)


@login_required
def contacts(request: HttpRequest) -> HttpResponse:
    """Change the email or the phone: the new one takes effect once its code is confirmed."""
    user = signed_in_user(request)
    forms_by_channel: dict[str, forms.DomainForm] = {
        "email": forms.EmailChangeForm(prefix="email"),
        "phone": forms.PhoneChangeForm(prefix="phone"),
    }
    if request.method == "POST":
        channel = "email" if request.POST.get("action") == "email" else "phone"
        purpose = OneTimeCode.Purpose.CONFIRM_EMAIL if channel == "email" else OneTimeCode.Purpose.CONFIRM_PHONE
        form_class = forms.EmailChangeForm if channel == "email" else forms.PhoneChangeForm
        form = forms_by_channel[channel] = form_class(request.POST, prefix=channel)

        def change(data: dict[str, Any]) -> None:
            throttle.attempt(
                request,
                per_address=throttle.CODE_ADDRESS,
                per_target=throttle.LOOKUP_TARGET,
                targets=_lookup_targets(**{channel: data[channel]}),
            )
            services.request_contact_change(user=user, purpose=purpose, target=data[channel])

        if form.submit(change):
            messages.info(request, _("We sent a code to the new address. Enter it to finish the change."))
            return redirect("portal:confirm")
    return form_page(
        request,
        "portal/contacts.html",
        {"email_form": forms_by_channel["email"], "phone_form": forms_by_channel["phone"]},
        *forms_by_channel.values(),
    )


@login_required
@sensitive_post_parameters("old_password", "new_password", "new_password_again")
def password(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordChangeForm(_posted(request))
    if form.is_bound and form.submit(
        lambda data: services.change_password(
            request=request,
            user=signed_in_user(request),
            old_password=data["old_password"],
            new_password=data["new_password"],
        )
    ):
        messages.success(request, _("The password is changed. Other sessions of your account have ended."))
        return redirect("portal:cabinet")
    return form_page(request, "portal/password.html", {"form": form}, form)


@login_required
def services_catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/services.html", {"services": selectors.service_catalogue()})


@login_required
def service_diary(request: HttpRequest) -> HttpResponse:
    """«Получить услугу» for the diary: the linked children or the pupil's own record, and how to link."""
    user = signed_in_user(request)
    context: dict[str, Any] = {
        "account": selectors.account_profile(viewer=user),
        "students": selectors.linked_students(viewer=user),
    }
    return render(request, "portal/service_diary.html", context)


@login_required
def apps(request: HttpRequest) -> HttpResponse:
    """Applications that may sign the person in via the portal, and what each may see."""
    return render(request, "portal/apps.html", {"consents": selectors.client_consents(viewer=signed_in_user(request))})


@login_required
@require_POST
def revoke_app(request: HttpRequest, consent_id: int) -> HttpResponse:
    services.revoke_client_access(user=signed_in_user(request), consent_id=consent_id)
    messages.success(request, _("The application no longer has access to your account."))
    return redirect("portal:apps")


def service_worker(request: HttpRequest) -> HttpResponse:
    """``static/js/sw.js`` from the site root: a worker's scope cannot reach above the path it is served
    from, and it must control ``/diary/``. ``no-cache`` so a changed worker reaches browsers at once."""
    script = (settings.SRC_DIR / "static" / "js" / "sw.js").read_text(encoding="utf-8")
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows offline for a page it has no copy of."""
    return render(request, "portal/offline.html")


@login_required
@never_cache
def terms(request: HttpRequest) -> HttpResponse:
    """The current processing terms; after sign-in, when a new version waits for the person's acceptance."""
    user = signed_in_user(request)
    version = services.current_terms()
    form = forms.TermsForm(_posted(request))

    def accept(data: dict[str, Any]) -> None:
        services.accept_terms(account=user, via="web", version=version)
        request.session.pop(services.TERMS_PENDING, None)

    if version is not None and form.is_bound and form.submit(accept):
        messages.success(request, _("Thank you: the new terms are accepted."))
        return redirect(_safe_next(request))
    context = {
        "version": version,
        "form": form,
        "next": _safe_next(request),
        "pending": request.session.get(services.TERMS_PENDING),
    }
    return form_page(request, "portal/terms.html", context, form)
