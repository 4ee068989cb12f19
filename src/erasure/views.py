"""The cabinet page «Удалить учётную запись»: the person confirms with the password, the account closes at once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.forms import DomainForm
from erasure import services
from portal.views import form_page
from portal.web import signed_in_user


class DeleteAccountForm(DomainForm):
    password = forms.CharField(label=_("Your password"), max_length=128, widget=forms.PasswordInput)


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    user = signed_in_user(request)
    if request.method == "POST" and form.submit(
        lambda data: services.delete_account(request=request, user=user, password=data["password"])
    ):
        return redirect("erasure:deleted")
    context: dict[str, Any] = {"form": form, "grace_days": settings.ACCOUNT_DELETION_GRACE.days}
    return form_page(request, "erasure/delete_account.html", context, form)


def deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "erasure/deleted.html", {"grace_days": settings.ACCOUNT_DELETION_GRACE.days})
