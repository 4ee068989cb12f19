"""The operator's view of accounts. People change their own data in the cabinet, not here."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from portal import second_factor
from portal.models import TermsAcceptance, TermsVersion, User


class AccountCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "surname", "given_name", "phone")


class AccountChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = AccountCreationForm
    form = AccountChangeForm
    ordering = ("surname", "given_name")
    list_display = (
        "email",
        "surname",
        "given_name",
        "patronymic",
        "phone",
        "email_confirmed_at",
        "phone_confirmed_at",
        "is_active",
        "is_staff",
    )
    search_fields = ("email", "surname", "given_name", "phone", "snils")
    list_filter = ("is_active", "is_staff")
    # Only a trusted source verifies a SNILS (portal.services.verify_snils), not an edit here.
    readonly_fields = ("public_id", "date_joined", "last_login", "snils_verified_at", "snils_verified_by")
    fieldsets = (
        (None, {"fields": ("public_id", "email", "password")}),
        (
            _("Person"),
            {
                "fields": (
                    "surname",
                    "given_name",
                    "patronymic",
                    "birth_date",
                    "snils",
                    "snils_verified_at",
                    "snils_verified_by",
                )
            },
        ),
        (_("Contacts"), {"fields": ("email_confirmed_at", "phone", "phone_confirmed_at")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )

    actions = ["reset_second_factor"]

    @admin.action(description=_("Reset the second factor (the person sets a new one up)"))
    def reset_second_factor(self, request: HttpRequest, queryset: Any) -> None:
        for account in queryset:
            second_factor.reset_factors(actor=request.user, user=account)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if "snils" in form.changed_data:  # a new number is a new claim, as in the cabinet
            obj.snils_verified_at, obj.snils_verified_by = None, ""
        super().save_model(request, obj, form, change)

    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "surname", "given_name", "phone", "password1", "password2")}),
    )


# Operators register client applications here; people's tokens and codes are not theirs to browse
# (a person withdraws an application's access in the cabinet).
for token_model in (get_access_token_model(), get_refresh_token_model(), get_grant_model(), get_id_token_model()):
    admin.site.unregister(token_model)

# Nor are people's second factors: django-otp's admin would show a TOTP secret and its QR code, and the recovery
# codes, to any operator. An operator who must help a person who lost every factor resets them (the action on
# the accounts' list, ``second_factor.reset_factors``); the person then sets a new one up.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin[TermsVersion]):
    """The operator publishes a new version here; accepted versions are read-only (a change is a new version)."""

    list_display = ("version", "published_at", "url")
    ordering = ("-published_at",)

    def get_readonly_fields(self, request: HttpRequest, obj: TermsVersion | None = None) -> tuple[str, ...]:
        if obj is not None and obj.acceptances.exists():
            return ("version", "published_at", "text", "url")
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: TermsVersion | None = None) -> bool:
        return obj is None or not obj.acceptances.exists()


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin[TermsAcceptance]):
    """The records of acceptances, to answer a request or an inspection; nobody edits them."""

    list_display = ("account", "version", "for_child", "pupil", "at", "via")
    list_filter = ("version", "via", "for_child")
    raw_id_fields = ("account", "pupil", "link_request")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TermsAcceptance | None = None) -> bool:
        return False
