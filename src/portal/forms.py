"""Web forms of the portal. Fields are parsed by ``portal.identity``; database rules stay in services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DomainForm, parsed
from portal import identity
from portal.models import User


class IdentityCleaning:
    """``clean_*`` for names and SNILS by the rules of ``portal.identity``; shared with the back office."""

    cleaned_data: dict[str, Any]

    def clean_surname(self) -> str:
        return str(parsed(lambda: identity.parse_name(self.cleaned_data["surname"], field="surname")))

    def clean_given_name(self) -> str:
        return str(parsed(lambda: identity.parse_name(self.cleaned_data["given_name"], field="given_name")))

    def clean_patronymic(self) -> str:
        return str(
            parsed(lambda: identity.parse_name(self.cleaned_data["patronymic"], field="patronymic", required=False))
        )

    def clean_snils(self) -> str | None:
        raw = (self.cleaned_data.get("snils") or "").strip()
        return str(parsed(lambda: identity.parse_snils(raw))) if raw else None


class NamesMixin(IdentityCleaning, forms.Form):
    surname = forms.CharField(label=_("Surname"), max_length=200)
    given_name = forms.CharField(label=_("Given name"), max_length=200)
    patronymic = forms.CharField(
        label=_("Patronymic"), max_length=200, required=False, help_text=_("Leave empty if you have none.")
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        help_text=_("Needed later to hand your data to the school: the school compares it with its records."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    snils = forms.CharField(
        label=_("SNILS"), max_length=20, required=False, help_text=_("11 digits, for example 112-233-445 95.")
    )

    def clean_birth_date(self) -> date | None:
        value = self.cleaned_data["birth_date"]
        result: date | None = parsed(lambda: identity.parse_birth_date(value, today=timezone.localdate()))
        return result


class EmailField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}), **kwargs
        )

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        return str(parsed(lambda: identity.parse_email(text)))


class PhoneField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Mobile phone"),
            max_length=30,
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "placeholder": "+7 912 345-67-89"}),
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        return str(parsed(lambda: identity.parse_mobile_phone(text)))


class NewPasswordMixin(forms.Form):
    new_password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common word."),
    )
    new_password_again = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password"), cleaned.get("new_password_again")
        if first and second and first != second:
            self.add_error(
                "new_password_again", ValidationError(_("The passwords do not match."), code="password_mismatch")
            )
        return cleaned


class RegistrationForm(NewPasswordMixin, NamesMixin, DomainForm):
    email = EmailField()
    phone = PhoneField()
    consent = forms.BooleanField(
        label=_("I agree to the processing of my personal data to provide the portal's services."),
    )
    field_order = [
        "surname",
        "given_name",
        "patronymic",
        "email",
        "phone",
        "birth_date",
        "snils",
        "new_password",
        "new_password_again",
        "consent",
    ]


class TermsForm(DomainForm):
    consent = forms.BooleanField(label=_("I accept this version of the processing terms of my personal data."))


class CodeForm(DomainForm):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class SignInForm(DomainForm):
    login = forms.CharField(
        label=_("Email, SNILS or phone"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ResetRequestForm(DomainForm):
    login = forms.CharField(label=_("Email, SNILS or phone"), max_length=254)


class ResetForm(NewPasswordMixin, CodeForm):
    pass


class ProfileForm(NamesMixin, DomainForm):
    @classmethod
    def for_user(cls, user: User, data: Any = None) -> ProfileForm:
        initial = {
            "surname": user.surname,
            "given_name": user.given_name,
            "patronymic": user.patronymic,
            "birth_date": user.birth_date,
            "snils": identity.format_snils(user.snils) if user.snils else "",
        }
        return cls(data, initial=initial)


class EmailChangeForm(DomainForm):
    email = EmailField()


class PhoneChangeForm(DomainForm):
    phone = PhoneField()


class PasswordChangeForm(NewPasswordMixin, DomainForm):
    old_password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    field_order = ["old_password", "new_password", "new_password_again"]


class SecondFactorForm(DomainForm):
    """The second step: a code from the app (6 digits) or a recovery code (10 characters)."""

    code = forms.CharField(
        label=_("Code from the app or a recovery code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off", "spellcheck": "false"}
        ),
    )
