"""Django's message middleware with the message storage made on its first use.

Django makes the storage (a cookie signer, the session's storage behind it) on every request, and the
evening read through the API never shows a message: a percent of its CPU for nothing. Here the storage is
made when a view, a template or ``messages.add_message`` first asks for it; a response whose request never
asked saves nothing, as Django's would not (its storage writes only messages that were read or added).
"""

from __future__ import annotations

from django.contrib.messages.middleware import MessageMiddleware as LibraryMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty


class MessageMiddleware(LibraryMessageMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:  # type: ignore[attr-defined]
            return response
        return super().process_response(request, response)
