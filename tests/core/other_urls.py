"""A URLconf of its own for ``test_urls``: a name no other URLconf has."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("elsewhere/", lambda request: HttpResponse(), name="only-here")]
