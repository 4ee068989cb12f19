"""The school year and the timetable in the registrar's back office: what the diary's lessons are generated from.

Registered on the back office site of ``registry.backoffice`` from ``DiaryConfig.ready()``: the site is the
registry's, and the timetable and lesson generation are the diary's, so the diary brings its pages to it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from diary.lessons import generate_lessons
from diary.models import LessonSlot, TimetableEntry
from portal.models import User
from registry.backoffice import SchoolScopedAdmin, ScopedInline, backoffice, kept_school_ids
from registry.models import Holiday, SchoolYear, StaffMember, Subject, Term


class TermInline(ScopedInline):
    model = Term
    fields = ["number", "name", "starts_on", "ends_on"]


class HolidayInline(ScopedInline):
    model = Holiday
    fields = ["name", "starts_on", "ends_on"]


@admin.register(SchoolYear, site=backoffice)
class SchoolYearAdmin(SchoolScopedAdmin):
    list_display = ["name", "school", "starts_on", "ends_on"]
    fields = ["school", "name", "starts_on", "ends_on"]
    inlines = [TermInline, HolidayInline]
    actions = ["generate_year_lessons"]

    @admin.action(description=_("Generate the lessons of the year from the timetable"))
    def generate_year_lessons(self, request: HttpRequest, queryset: QuerySet[SchoolYear]) -> None:
        created = sum(generate_lessons(term=term) for year in queryset for term in year.terms.all())
        messages.success(
            request,
            ngettext("%(count)d lesson created.", "%(count)d lessons created.", created) % {"count": created},
        )


@admin.register(Subject, site=backoffice)
class SubjectAdmin(SchoolScopedAdmin):
    list_display = ["name", "school"]
    fields = ["school", "name"]


@admin.register(LessonSlot, site=backoffice)
class LessonSlotAdmin(SchoolScopedAdmin):
    list_display = ["number", "starts_at", "ends_at", "school"]
    fields = ["school", "number", "starts_at", "ends_at"]


@admin.register(TimetableEntry, site=backoffice)
class TimetableEntryAdmin(SchoolScopedAdmin):
    school_lookup = "school_class__school"
    list_display = ["school_class", "weekday", "slot", "subject", "teacher", "room", "subgroup"]
    list_filter = ["school_class", "weekday"]
    fields = ["school_class", "weekday", "slot", "subject", "teacher", "room", "subgroup"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        schools = kept_school_ids(request)
        if db_field.related_model is LessonSlot:
            kwargs["queryset"] = LessonSlot.objects.filter(school__in=schools)
        elif db_field.related_model is Subject:
            kwargs["queryset"] = Subject.objects.filter(school__in=schools)
        elif db_field.name == "teacher":
            kwargs["queryset"] = User.objects.filter(
                staff_roles__school__in=schools, staff_roles__role=StaffMember.Role.TEACHER
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
