"""The frame of a family's pages about one child: the child switcher and the section tabs.

Each section belongs to a service (the diary's four, visits and meals) or to the guardians only
(trusted persons). A viewer sees the tabs and the children their relation opens, so a trusted
person with the diary alone never sees a link to the meals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

import access
from core.periods import current_week, query_date
from core.urls import reverse

GUARDIANS = "guardians"  # a section for the child's guardians, not a service
OWN_FAMILY = "own_family"  # a section for the child's guardians and the pupil (not trusted persons)


@dataclass(frozen=True)
class Section:
    name: str
    url_name: str
    opened_by: str  # a service, or GUARDIANS
    label: str | Promise


SECTIONS: list[Section] = [
    Section("week", "diary:week", access.DIARY, _("Week")),
    Section("marks", "diary:marks", access.DIARY, _("Marks")),
    Section("homework", "diary:homework", access.DIARY, _("Homework")),
    Section("attendance", "diary:attendance", access.DIARY, _("Attendance")),
    Section("visits", "visits:visits", access.VISITS_MEALS, _("Visits")),
    Section("meals", "visits:meals", access.VISITS_MEALS, _("Meals")),
    Section("absence", "diary:absence", OWN_FAMILY, _("Absence notes")),
    Section("trusted", "trust:student", GUARDIANS, _("Trusted persons")),
]


def _opens(visible: access.VisibleStudent, section: Section) -> bool:
    if section.opened_by == GUARDIANS:
        return visible.manages_trust
    if section.opened_by == OWN_FAMILY:
        return visible.relation in access.ABSENCE_READERS
    return section.opened_by in visible.services


def family_context(
    request: HttpRequest, student_id: UUID | str, tab: str, visible: list[access.VisibleStudent] | None = None
) -> dict[str, Any]:
    """Template context for ``_layout.html``: the children to switch between (on the same section where
    they open it) and the tabs of the current child. Staff reading a pupil (not in their family) see
    the diary's tabs. ``visible``: ``access.visible_students`` of the viewer, when the page already has it."""
    current_section = next((section for section in SECTIONS if section.name == tab), None)
    visible = access.visible_students(request.user) if visible is None else visible
    current = next((child for child in visible if str(child.pupil.public_id) == str(student_id)), None)
    children = []
    for child in visible:
        if current_section is not None and not _opens(child, current_section):
            continue
        url_name = current_section.url_name if current_section else SECTIONS[0].url_name
        children.append({"visible": child, "url": reverse(url_name, args=[child.pupil.public_id])})
    shown = [
        section for section in SECTIONS if (_opens(current, section) if current else section.opened_by == access.DIARY)
    ]
    tabs = [
        {"name": section.name, "label": section.label, "url": reverse(section.url_name, args=[student_id])}
        for section in shown
    ]
    return {
        "children": children,
        "student_id": str(student_id),
        "tab": tab,
        "tabs": tabs,
        "own_diary": current is not None and current.relation == "self",
        "relation": current.relation if current else None,
    }


def chosen_week(request: HttpRequest) -> tuple[date, date]:
    """Monday and Sunday of the week holding ``?week=`` (any day of it); this week when it is missing,
    malformed or outside the dates the service deals in."""
    return current_week(query_date(request.GET.get("week")) or timezone.localdate())


def week_pager(start: date) -> dict[str, Any]:
    """Context for paging a week page: the Mondays before, after and of this week, and today."""
    today = timezone.localdate()
    return {
        "previous": start - timedelta(days=7),
        "next": start + timedelta(days=7),
        "this_week": current_week(today)[0],
        "today": today,
    }
