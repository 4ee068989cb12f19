"""Family pages of visits and meals: the week's passes with day summaries, the week's meals with the
balance, and the guardian's low-balance threshold. Thin: parse, call the selector or service (404 for
anyone who may not, through ``access``), render. The same selectors serve the JSON API."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diary.family import chosen_week, family_context, week_pager
from portal.web import signed_in_user
from visits import selectors
from visits.forms import ThresholdForm
from visits.services import set_low_balance_threshold


@login_required
@require_GET
def visits(request: HttpRequest, student_id: UUID) -> HttpResponse:
    start, end = chosen_week(request)
    report = selectors.visits_period(viewer=request.user, student_id=student_id, start=start, end=end)
    # Weekends only when something happened on them.
    days = [
        {"day": day, "hours": day.summary.minutes_inside // 60, "minutes": day.summary.minutes_inside % 60}
        for day in report.days
        if day.date.weekday() < 5 or day.passes or day.summary.first_lesson_at is not None
    ]
    return render(
        request,
        "visits/visits.html",
        {
            **family_context(request, student_id, "visits"),
            **week_pager(start),
            "report": report,
            "days": days,
            "student": report.student,
        },
    )


def _meals_page(
    request: HttpRequest, student_id: UUID, form: ThresholdForm | None = None, status: int = 200
) -> HttpResponse:
    start, end = chosen_week(request)
    report = selectors.meals_period(viewer=request.user, student_id=student_id, start=start, end=end)
    if not report.can_set_threshold:
        if form is not None:  # a refused post: as if the form did not exist, whatever its input
            raise Http404
    elif form is None:
        form = ThresholdForm(initial={"amount": (report.threshold_rub or "").replace(".", ",")})
    return render(
        request,
        "visits/meals.html",
        {
            **family_context(request, student_id, "meals"),
            **week_pager(start),
            "report": report,
            "form": form,
            "student": report.student,
        },
        status=status,
    )


@login_required
@require_GET
def meals(request: HttpRequest, student_id: UUID) -> HttpResponse:
    return _meals_page(request, student_id)


@login_required
@require_POST
def threshold(request: HttpRequest, student_id: UUID) -> HttpResponse:
    """Set the caller's low-balance threshold («Remove», or an empty amount, clears it)."""
    user = signed_in_user(request)
    data = request.POST.copy()
    if "clear" in data:
        data["amount"] = ""
    form = ThresholdForm(data)
    if form.submit(
        lambda cleaned: set_low_balance_threshold(user=user, student_id=student_id, amount_rub=cleaned["amount"])
    ):
        cleared = form.cleaned_data["amount"] is None
        messages.success(request, _("The warning is turned off.") if cleared else _("The warning threshold is saved."))
        return redirect("visits:meals", student_id=student_id)
    return _meals_page(request, student_id, form, status=400)
