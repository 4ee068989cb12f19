"""django-csp's middleware with the header text built once rather than on every response.

django-csp builds both headers (the policy and the report-only one) from the settings on every response: a
dataclass turned into a dict and every directive joined again, 6 % of the CPU of a week read through the
API. Dnevnik's policy is static: no view asks for a nonce or changes the policy (``csp_update``,
``csp_replace``, ``csp_exempt``; ``tests/test_security_headers.py`` keeps every template free of inline
code). So when a request asked for no nonce and its response carries no per-view change, the headers come
from a memo of django-csp's own ``build_policy``, cleared whenever the settings change (as tests change
them); any other response goes through django-csp unchanged.
"""

from __future__ import annotations

import http.client
from functools import cache
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# What a view or a template may set to make a response's policy its own (django-csp's decorators).
_PER_RESPONSE = (
    "_csp_exempt",
    "_csp_exempt_ro",
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_DEBUG_PAGES = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)


@cache
def _headers() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(header, value, excluded path prefixes) of the enforced and the report-only policy, where there is one."""
    found = []
    for header, name, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
    ):
        value = build_policy(report_only=report_only)
        if value:
            prefixes = tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
            found.append((header, value, prefixes))
    return tuple(found)


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _headers.cache_clear()


class CSPMiddleware(LibraryCSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        own_policy = getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE
        )
        if own_policy or (settings.DEBUG and response.status_code in _DEBUG_PAGES):
            return super().process_response(request, response)
        for header, value, prefixes in _headers():
            if header not in response and not request.path_info.startswith(prefixes):
                response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
