"""The operator's admin site: schools and who works there (registrars then keep each school's registry
in the back office, ``registry.backoffice``)."""

from django.contrib import admin

from registry.models import School, StaffMember


class StaffInline(admin.TabularInline):
    model = StaffMember
    extra = 0
    autocomplete_fields = ["account"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "quiet_hours_start", "quiet_hours_end"]
    search_fields = ["code", "name"]
    inlines = [StaffInline]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["account", "role", "school", "school_class"]
    list_filter = ["role", "school"]
    autocomplete_fields = ["account"]
    list_select_related = ["account", "school", "school_class"]
