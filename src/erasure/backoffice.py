"""The registrar's pages of retention and erasure on the registry's back office (``/backoffice/``), and the
operator's on the admin site: the retention periods, the act of destruction (printable HTML or CSV) and the
erasure of a pupil's registry record with a reason."""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import access
from core.forms import DomainForm
from erasure import selectors, services
from erasure.models import DestructionRecord, RetentionPolicy
from registry.backoffice import SchoolScopedAdmin, backoffice, kept_school_ids
from registry.models import Pupil

CSV_COLUMNS = ("destroyed_at", "school", "category", "rule", "count", "period_from", "period_to", "actor", "reason")


def _verbose_name(name: str) -> Any:
    field = DestructionRecord._meta.get_field(name)
    return getattr(field, "verbose_name", name)


def _act(request: HttpRequest, records: Any, context: dict[str, Any]) -> HttpResponse:
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="destruction-act.csv"'
        writer = csv.writer(response, delimiter=";")
        writer.writerow([str(_verbose_name(name)) for name in CSV_COLUMNS])
        for record in records:
            writer.writerow(
                [
                    record.destroyed_at.strftime("%d.%m.%Y %H:%M"),
                    record.school or "",
                    record.get_category_display(),
                    record.get_rule_display(),
                    record.count,
                    record.period_from.strftime("%d.%m.%Y") if record.period_from else "",
                    record.period_to.strftime("%d.%m.%Y"),
                    record.actor.full_name if record.actor else "",
                    record.reason,
                ]
            )
        return response
    context.update({"records": records, "title": _("Act of destruction of personal data"), "today": timezone.now()})
    return TemplateResponse(request, "erasure/act.html", context)


def act_view(request: HttpRequest) -> HttpResponse:
    """The act of the registrar's schools."""
    records = selectors.destruction_records(school_ids=kept_school_ids(request))
    return _act(request, records, {**backoffice.each_context(request)})


class ErasureForm(DomainForm):
    reason = forms.CharField(
        label=_("Ground of the erasure"),
        max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. «the retention period expired» or «written request вх. № 12/3 от 01.12.2026»."),
    )


def erase_view(request: HttpRequest, student_id: str) -> HttpResponse:
    pupil = access.require(request.user, "registry.manage", Pupil.objects.filter(public_id=student_id).first())
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.submit(
        lambda data: services.erase_pupil_record(
            registrar=request.user,  # type: ignore[arg-type]
            student_id=student_id,
            reason=data["reason"],
        )
    ):
        return redirect("backoffice:erasure_act")
    context: dict[str, Any] = {
        **backoffice.each_context(request),
        "form": form,
        "pupil": pupil,
        "title": _("Erase the registry record"),
    }
    return TemplateResponse(request, "erasure/backoffice/erase.html", context)


backoffice.register_page("erasure/act/", act_view, "erasure_act")
backoffice.register_page("erasure/pupil/<uuid:student_id>/", erase_view, "erasure_pupil")
backoffice.register_pupil_action(_("Erase the registry record"), "backoffice:erasure_pupil")


@admin.register(RetentionPolicy, site=backoffice)
class RetentionPolicyBackoffice(SchoolScopedAdmin):
    """The registrar sets the periods of their own school (a new row starts from the defaults)."""

    list_display = [
        "school",
        "passes_months",
        "meals_months",
        "notifications_months",
        "views_months",
        "pupil_years_after_leaving",
    ]
    exclude = ["updated_at"]
    change_list_template = "erasure/admin_change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # The act of destruction is one link away from the periods that lead to it.
        return super().changelist_view(request, {**(extra_context or {}), "act_url": reverse("backoffice:erasure_act")})

    def save_model(self, request: HttpRequest, obj: RetentionPolicy, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """Operators set the periods of every school."""

    list_display = RetentionPolicyBackoffice.list_display
    exclude = ["updated_at"]


@admin.register(DestructionRecord)
class DestructionRecordAdmin(admin.ModelAdmin):
    """Operators read every destruction record and print the act (``act/``); nobody edits one."""

    list_display = ["destroyed_at", "school", "category", "rule", "count", "period_to", "actor"]
    list_filter = ["category", "rule", "school"]
    change_list_template = "erasure/admin_change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "act_url": reverse("admin:erasure_act")})

    def get_urls(self) -> list[Any]:
        return [path("act/", self.admin_site.admin_view(self.act_view), name="erasure_act"), *super().get_urls()]

    def act_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        records = selectors.destruction_records(school_ids=None)
        return _act(request, records, {**self.admin_site.each_context(request)})
