"""The registrar's back office at ``/backoffice/``: a Django admin site scoped to their own school.

A registrar sees and edits only the registry of the schools they keep (``access.registrar_school_ids``);
anyone else signed in gets 404, as if the page did not exist, and a stranger is sent to the portal's
sign-in. Records are written through ``registry.services``, imports through ``registry.importing``,
link decisions through ``registry.linking``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any, cast
from uuid import UUID

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

import access
from core.errors import Conflict, DomainError
from core.forms import label_row_fields, parsed
from portal import identity
from portal.forms import IdentityCleaning
from portal.models import User
from portal.web import second_factor_step
from registry import importing, services
from registry.linking import approve_link_request, reject_link_request, verify_snils_from_document
from registry.matching import DIFFERENCE_LABELS, pending_differences
from registry.models import (
    Guardian,
    GuardianRestriction,
    LinkRequest,
    Pupil,
    School,
    SchoolClass,
)


def kept_school_ids(request: HttpRequest) -> set[int]:
    """The schools the signed-in registrar keeps, looked up once per request."""
    cached: set[int] | None = getattr(request, "_kept_school_ids", None)
    if cached is None:
        cached = access.registrar_school_ids(request.user)
        request._kept_school_ids = cached  # type: ignore[attr-defined]
    return cached


class BackofficeSite(admin.AdminSite):
    site_header = _("School registry")
    site_title = _("School registry")
    index_title = _("Registry of your school")
    site_url = "/cabinet/"
    index_template = "registry/backoffice/index.html"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and kept_school_ids(request))

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.has_permission(request):
                raise Http404
            # A registrar whose session has not passed the second factor their role requires: the step first.
            return second_factor_step(request) or inner(request, *args, **kwargs)

        return update_wrapper(guarded, view)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Registrars sign in on the portal's own page, under the same brute-force rules."""
        return redirect_to_login(request.GET.get("next") or reverse("backoffice:index"))

    def password_change(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        return redirect("portal:password")

    def password_change_done(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        return redirect("portal:cabinet")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[tuple[str, Callable[..., HttpResponse], str]] = []
        self._pupil_actions: list[tuple[StrOrPromise, str]] = []

    def register_page(self, route: str, view: Callable[..., HttpResponse], name: str) -> None:
        """A page of an app above the registry on this site, behind the same guard (``messaging.backoffice``)."""
        self._pages.append((route, view, name))

    def register_pupil_action(self, label: StrOrPromise, name: str) -> None:
        """A link on a pupil's page to the page ``name`` of an app above (it takes the pupil's ``public_id``)."""
        self._pupil_actions.append((label, name))

    def get_urls(self) -> list[Any]:
        return [
            path("registry/import/", self.admin_view(self.import_view), name="registry_import"),
            path("snils/<uuid:account_id>/", self.admin_view(self.snils_view), name="snils_verify"),
            path("custody/<int:guardian_id>/", self.admin_view(self.custody_view), name="custody"),
            path("custody/lift/<int:restriction_id>/", self.admin_view(self.lift_view), name="custody_lift"),
            *(path(route, self.admin_view(view), name=name) for route, view, name in self._pages),
            *super().get_urls(),
        ]

    def snils_view(self, request: HttpRequest, account_id: UUID) -> HttpResponse:
        """Verify a linked person's SNILS from the document they show at the school."""
        registrar = cast(User, request.user)
        account = access.require(registrar, "account.snils.verify", User.objects.filter(public_id=account_id).first())
        form = SnilsDocumentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                verify_snils_from_document(
                    registrar=registrar, account_id=account_id, snils=form.cleaned_data["snils"] or ""
                )
            except DomainError as error:
                form.add_error("snils" if error.field else None, ValidationError(error.message, code=error.code))
            else:
                messages.success(request, _("The SNILS is verified."))
                return redirect("backoffice:snils_verify", account_id)
        context: dict[str, Any] = {
            **self.each_context(request),
            "form": form,
            "person": account,
            "snils": identity.format_snils(account.snils) if account.snils else "",
            "title": _("Verify the SNILS from the document"),
        }
        return TemplateResponse(request, "registry/backoffice/snils.html", context)

    def custody_view(self, request: HttpRequest, guardian_id: int) -> HttpResponse:
        """A guardian's restrictions (custody limits) and the form that restricts them."""
        registrar = cast(User, request.user)
        guardian = access.require(
            registrar, "guardian.restrict", Guardian.objects.select_related("pupil").filter(pk=guardian_id).first()
        )
        form = RestrictionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.restrict_guardian(actor=registrar, guardian_id=guardian.pk, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field, ValidationError(error.message, code=error.code))
            else:
                messages.success(request, _("The guardian is restricted."))
                return redirect("backoffice:custody", guardian.pk)
        now = timezone.now()
        restrictions = [(r, r.in_force(now)) for r in guardian.restrictions.select_related("created_by", "lifted_by")]
        context: dict[str, Any] = {
            **self.each_context(request),
            "form": form,
            "guardian": guardian,
            "restrictions": restrictions,
            "now": now,
            "title": _("Restrict a guardian"),
        }
        return TemplateResponse(request, "registry/backoffice/custody.html", context)

    def lift_view(self, request: HttpRequest, restriction_id: int) -> HttpResponse:
        if request.method != "POST":
            raise Http404
        try:
            restriction = services.lift_guardian_restriction(actor=request.user, restriction_id=restriction_id)
        except Conflict as error:
            messages.error(request, str(error.message))
            guardian_id = GuardianRestriction.objects.filter(pk=restriction_id).values_list("guardian_id", flat=True)
            return redirect("backoffice:custody", guardian_id[0])
        messages.success(request, _("The restriction is lifted."))
        return redirect("backoffice:custody", restriction.guardian_id)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST or None, request.FILES or None, school_ids=kept_school_ids(request))
        context: dict[str, Any] = {**self.each_context(request), "form": form, "title": _("Import the registry")}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                context["report"] = importing.import_registry(
                    school=form.cleaned_data["school"], data=upload.file, filename=upload.name, actor=request.user
                )
            except importing.ImportRejected as rejected:
                context["errors"] = rejected.errors
            except DomainError as error:
                form.add_error("file", ValidationError(error.message, code=error.code))
        return TemplateResponse(request, "registry/backoffice/import.html", context)


backoffice = BackofficeSite(name="backoffice")


class ImportForm(forms.Form):
    school = forms.ModelChoiceField(queryset=School.objects.none(), label=_("School"))
    file = forms.FileField(label=_("File (CSV or XLSX)"))

    def __init__(self, *args: Any, school_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.filter(pk__in=school_ids)  # type: ignore[attr-defined]


class RestrictionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Kept for the school and the audit trail; the other guardian is not told it."),
    )
    document = forms.CharField(
        label=_("Document"), max_length=255, help_text=_("Its kind, number and date, e.g. a court decision.")
    )
    starts_on = forms.DateField(
        label=_("First day"), required=False, help_text=_("DD.MM.YYYY; empty: from now."), input_formats=["%d.%m.%Y"]
    )
    ends_on = forms.DateField(
        label=_("Last day"), required=False, help_text=_("DD.MM.YYYY; empty: until lifted."), input_formats=["%d.%m.%Y"]
    )


class SnilsDocumentForm(IdentityCleaning, forms.Form):
    snils = forms.CharField(
        label=_("SNILS as written in the document"),
        max_length=20,
        help_text=_("11 digits, for example 112-233-445 95."),
    )


def snils_state(account: User | None) -> str:
    """The SNILS state of a linked account, with the way to verify it, for the registrar's pages."""
    if account is None:
        return "—"
    url = reverse("backoffice:snils_verify", args=[account.public_id])
    if not account.snils:
        state = _("no SNILS in the profile")
    elif account.snils_verified:
        state = _("SNILS verified")
    else:
        state = _("SNILS not verified")
    return format_html('{} · <a href="{}">{}</a>', state, url, _("verify from the document"))


class PersonForm(IdentityCleaning, forms.ModelForm):
    """Names, SNILS and contacts checked by the same rules as on the portal."""

    # Wider than the stored values: people type separators, the clean_* methods strip them.
    snils = forms.CharField(label=_("SNILS"), max_length=20, required=False)


class PupilForm(PersonForm):
    class Meta:
        model = Pupil
        fields = ["surname", "given_name", "patronymic", "birth_date", "snils", "school_class", "status"]


class GuardianForm(PersonForm):
    phone = forms.CharField(label=_("mobile phone"), max_length=30, required=False)

    class Meta:
        model = Guardian
        fields = ["surname", "given_name", "patronymic", "relation", "phone", "email", "snils"]

    def clean_snils(self) -> str:
        return super().clean_snils() or ""

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        return str(parsed(lambda: identity.parse_mobile_phone(raw))) if raw else ""


class SchoolScopedAdmin(admin.ModelAdmin):
    """Lists and objects limited to the registrar's schools; another school's object is a 404."""

    school_lookup = "school"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(**{f"{self.school_lookup}__in": kept_school_ids(request)})

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Records carry the diary's history: a pupil who leaves gets the status "left" instead.
        return False

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is SchoolClass:
            kwargs["queryset"] = SchoolClass.objects.filter(school__in=kept_school_ids(request))
        if db_field.related_model is School:
            kwargs["queryset"] = School.objects.filter(pk__in=kept_school_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LabelledRowsFormSet(forms.BaseInlineFormSet):
    """A tabular inline's rows, each field named for a screen reader (the column headers are no labels)."""

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)  # the «delete» box comes here, after the form's own fields
        instance = getattr(form, "instance", None)
        label_row_fields(form, str(instance) if instance is not None and instance.pk else "")


class ScopedInline(admin.TabularInline):
    """Rows inside a record the registrar may already edit (its admin checked the school)."""

    extra = 0
    formset = LabelledRowsFormSet

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class GuardianInline(ScopedInline):
    model = Guardian
    form = GuardianForm
    readonly_fields = ["account", "account_snils", "custody"]
    fields = [
        "surname",
        "given_name",
        "patronymic",
        "relation",
        "phone",
        "email",
        "snils",
        "account",
        "account_snils",
        "custody",
    ]

    @admin.display(description=_("custody limits"))
    def custody(self, guardian: Guardian) -> str:
        if guardian.pk is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("backoffice:custody", args=[guardian.pk]), _("Restrictions"))

    @admin.display(description=_("SNILS of the account"))
    def account_snils(self, guardian: Guardian) -> str:
        return snils_state(guardian.account)


@admin.register(Pupil, site=backoffice)
class PupilAdmin(SchoolScopedAdmin):
    form = PupilForm
    inlines = [GuardianInline]
    list_display = ["surname", "given_name", "patronymic", "birth_date", "school_class", "status", "is_linked"]
    list_filter = ["school_class", "status"]
    search_fields = ["surname", "given_name", "snils"]
    readonly_fields = ["public_id", "account", "account_snils", "record_actions"]
    list_select_related = ["school_class", "account"]

    def get_readonly_fields(self, request: HttpRequest, obj: Pupil | None = None) -> list[str]:
        # A new record has no identifier yet: the add form would show a random one the save does not keep.
        if obj is None:
            return ["account", "account_snils", "record_actions"]
        return self.readonly_fields

    @admin.display(description=_("more"))
    def record_actions(self, pupil: Pupil) -> str:
        if pupil.pk is None or not backoffice._pupil_actions:
            return "—"
        return format_html_join(
            " · ",
            '<a href="{}" data-testid="pupil-action">{}</a>',
            ((reverse(name, args=[pupil.public_id]), label) for label, name in backoffice._pupil_actions),
        )

    @admin.display(description=_("SNILS of the account"))
    def account_snils(self, pupil: Pupil) -> str:
        return snils_state(pupil.account)

    @admin.display(boolean=True, description=_("has an account"))
    def is_linked(self, pupil: Pupil) -> bool:
        return pupil.account_id is not None

    def save_model(self, request: HttpRequest, obj: Pupil, form: Any, change: bool) -> None:
        services.save_registry_record(actor=request.user, record=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for guardian in formset.save(commit=False):
            services.save_registry_record(actor=request.user, record=guardian)
        for removed in formset.deleted_objects:
            services.remove_guardian(actor=request.user, guardian=removed)


@admin.register(SchoolClass, site=backoffice)
class SchoolClassAdmin(SchoolScopedAdmin):
    list_display = ["__str__", "school"]
    fields = ["school", "grade", "letter"]


LINK_REQUEST_FIELDS = (
    "account",
    "kind",
    "school",
    "created_at",
    "child_surname",
    "child_given_name",
    "child_patronymic",
    "child_birth_date",
    "state",
    "differences_list",
    "pupil",
    "guardian",
    "decided_at",
    "decided_by",
    "reason",
)


@admin.register(LinkRequest, site=backoffice)
class LinkRequestAdmin(SchoolScopedAdmin):
    """The queue of link requests that did not match exactly, with the field-by-field difference."""

    change_form_template = "registry/backoffice/link_request.html"
    list_display = ["account", "kind", "school", "state", "created_at"]
    list_filter = ["state", "kind"]
    # Every field shown is read-only (the registrar decides with the forms below); naming them keeps the raw
    # JSON of ``differences`` out and puts the readable list in its place.
    fields = LINK_REQUEST_FIELDS
    readonly_fields = LINK_REQUEST_FIELDS
    list_select_related = ["account", "school"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("differences"))
    def differences_list(self, link_request: LinkRequest) -> str:
        """Each differing field with both values, for the registrar (the person never sees the school's value).

        A decided request shows only which fields differed then: the values may have changed since.
        """
        from registry.matching import DIFFERENCE_LABELS, pending_differences

        if link_request.state == LinkRequest.State.PENDING:
            rows = pending_differences(link_request)
        else:
            rows = [(code, "", "") for code in link_request.differences]
        lines = []
        for code, registry_value, portal_value in rows:
            label = capfirst(DIFFERENCE_LABELS.get(code, code))
            if registry_value or portal_value:
                lines.append(
                    _("%(field)s: in the request %(portal)s, in the registry %(registry)s")
                    % {"field": label, "portal": portal_value or "—", "registry": registry_value or "—"}
                )
            else:
                lines.append(str(label))
        if not lines:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only here: the registrar decides with the approve / reject forms below the record.
        return False

    def get_urls(self) -> list[Any]:
        site = self.admin_site
        return [
            path("<int:request_id>/decide/", site.admin_view(self.decide_view), name="registry_linkrequest_decide"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        link_request = self.get_object(request, object_id)
        candidates = Pupil.objects.filter(school=link_request.school).order_by("surname")
        extra = {
            "differences": [
                (field, DIFFERENCE_LABELS.get(field, field), registry_value, portal_value)
                for field, registry_value, portal_value in pending_differences(link_request)
            ]
            if link_request.state == LinkRequest.State.PENDING
            else [],
            "candidates": candidates.select_related("school_class")[:500],
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)

    def decide_view(self, request: HttpRequest, request_id: int) -> HttpResponseRedirect:
        if request.method != "POST":
            raise Http404
        try:
            if request.POST.get("decision") == "approve":
                pupil_id = request.POST.get("pupil") or None
                approve_link_request(
                    registrar=cast(User, request.user),
                    request_id=request_id,
                    pupil_id=int(pupil_id) if pupil_id else None,
                )
                messages.success(request, _("The account is linked."))
            else:
                reject_link_request(
                    registrar=cast(User, request.user),
                    request_id=request_id,
                    reason=request.POST.get("reason", "").strip(),
                )
                messages.success(request, _("The request is rejected; the person sees the reason."))
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("backoffice:registry_linkrequest_change", request_id)
