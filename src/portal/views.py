"""Web pages of the portal: thin wrappers that read a form, call one service and render."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from dnevnik.errors import DomainError
from portal import forms, selectors, services
from portal.models import OneTimeCode, User

RESET_LOGIN = "portal_reset_login"


def _user(request: HttpRequest) -> User:
    """The signed-in account of a ``login_required`` view."""
    return cast(User, request.user)


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:cabinet")
    return render(request, "portal/home.html")


@sensitive_post_parameters("new_password", "new_password_again")
def register(request: HttpRequest) -> HttpResponse:
    form = forms.RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.register_account(
                surname=data["surname"], given_name=data["given_name"], patronymic=data["patronymic"],
                email=data["email"], phone=data["phone"], password=data["new_password"],
                snils=data["snils"], birth_date=data["birth_date"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            services.start_session(request=request, user=user)
            messages.success(
                request, _("The account is created. Enter the codes we sent to confirm your email and phone.")
            )
            return redirect("portal:confirm")
    return render(request, "portal/register.html", {"form": form})


@login_required
def confirm(request: HttpRequest) -> HttpResponse:
    """Both codes on one page: the email's and the phone's, each with its resend button."""
    user = _user(request)
    email_form = forms.CodeForm(prefix="email")
    phone_form = forms.CodeForm(prefix="phone")
    if request.method == "POST":
        action = request.POST.get("action", "")
        purpose = OneTimeCode.Purpose.CONFIRM_EMAIL if action.endswith("email") else OneTimeCode.Purpose.CONFIRM_PHONE
        form = forms.CodeForm(request.POST, prefix="email" if action.endswith("email") else "phone")
        if action.startswith("resend"):
            try:
                services.resend_confirmation(user=user, purpose=purpose)
            except DomainError as error:
                messages.error(request, error.message, extra_tags=error.code)
            else:
                messages.info(request, _("A new code is on its way."), extra_tags="code_sent")
            return redirect("portal:confirm")
        try:
            if form.is_valid():
                services.confirm_contact(user=user, purpose=purpose, code=form.cleaned_data["code"])
                messages.success(request, _("Confirmed."))
                if user.contacts_confirmed:
                    return redirect("portal:cabinet")
                return redirect("portal:confirm")
        except DomainError as error:
            form.add_domain_error(error)
        if action.endswith("email"):
            email_form = form
        else:
            phone_form = form
    return render(request, "portal/confirm.html", {
        "email_form": email_form,
        "phone_form": phone_form,
        "pending_email": services.pending_contact(user, OneTimeCode.Purpose.CONFIRM_EMAIL),
        "pending_phone": services.pending_contact(user, OneTimeCode.Purpose.CONFIRM_PHONE),
        "email_pending": services.confirmation_waiting(user, OneTimeCode.Purpose.CONFIRM_EMAIL),
        "phone_pending": services.confirmation_waiting(user, OneTimeCode.Purpose.CONFIRM_PHONE),
    })


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("portal:cabinet")


@sensitive_post_parameters("password")
def signin(request: HttpRequest) -> HttpResponse:
    form = forms.SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_in(request=request, login=form.cleaned_data["login"], password=form.cleaned_data["password"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return redirect(_safe_next(request))
    return render(request, "portal/signin.html", {"form": form, "next": _safe_next(request)})


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    services.sign_out(request=request)
    messages.info(request, _("You have signed out."))
    return redirect("portal:signin")


def reset_request(request: HttpRequest) -> HttpResponse:
    form = forms.ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(login=form.cleaned_data["login"])
        request.session[RESET_LOGIN] = form.cleaned_data["login"]
        return redirect("portal:reset_confirm")
    return render(request, "portal/reset_request.html", {"form": form})


@sensitive_post_parameters("new_password", "new_password_again")
def reset_confirm(request: HttpRequest) -> HttpResponseBase:
    login = request.session.get(RESET_LOGIN)
    if not login:
        return redirect("portal:reset")
    form = forms.ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(login=login, code=form.cleaned_data["code"],
                                    new_password=form.cleaned_data["new_password"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            request.session.pop(RESET_LOGIN, None)
            messages.success(request, _("The password is changed. Sign in with the new one."))
            return redirect("portal:signin")
    return render(request, "portal/reset_confirm.html", {"form": form, "login": login})


@login_required
def cabinet(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/cabinet.html", {"account": selectors.account_profile(viewer=_user(request))})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.ProfileForm.for_user(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect("portal:cabinet")
    return render(request, "portal/profile.html", {"form": form})


@login_required
def contacts(request: HttpRequest) -> HttpResponse:
    """Change the email or the phone: the new one takes effect once its code is confirmed."""
    user = _user(request)
    email_form = forms.EmailChangeForm(prefix="email")
    phone_form = forms.PhoneChangeForm(prefix="phone")
    if request.method == "POST":
        is_email = request.POST.get("action") == "email"
        form: forms.DomainForm = (forms.EmailChangeForm(request.POST, prefix="email") if is_email
                                  else forms.PhoneChangeForm(request.POST, prefix="phone"))
        if form.is_valid():
            try:
                if is_email:
                    services.request_email_change(user=user, email=form.cleaned_data["email"])
                else:
                    services.request_phone_change(user=user, phone=form.cleaned_data["phone"])
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.info(request, _("We sent a code to the new address. Enter it to finish the change."))
                return redirect("portal:confirm")
        if is_email:
            email_form = form  # type: ignore[assignment]
        else:
            phone_form = form  # type: ignore[assignment]
    return render(request, "portal/contacts.html", {"email_form": email_form, "phone_form": phone_form})


@login_required
@sensitive_post_parameters("old_password", "new_password", "new_password_again")
def password(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(request=request, user=_user(request),
                                     old_password=form.cleaned_data["old_password"],
                                     new_password=form.cleaned_data["new_password"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The password is changed. Other sessions of your account have ended."))
            return redirect("portal:cabinet")
    return render(request, "portal/password.html", {"form": form})


@login_required
def services_catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/services.html", {"services": selectors.service_catalogue()})


@login_required
def service_diary(request: HttpRequest) -> HttpResponse:
    """«Получить услугу» for the diary; until the diary lands, it says what comes and what to do."""
    context: dict[str, Any] = {"account": selectors.account_profile(viewer=_user(request))}
    return render(request, "portal/service_diary.html", context)


@login_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/subscriptions.html", {"subscriptions": []})
