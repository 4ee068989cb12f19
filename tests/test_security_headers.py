"""The Content-Security-Policy: on every response of the access matrix, and nothing in the templates that
it would have to allow with ``unsafe-inline`` (inline scripts, event handlers, inline styles)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from csp.constants import NONCE, SELF
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from dnevnik.csp import CSPMiddleware
from tests.test_access_matrix import ACTORS, ANONYMOUS, PERSON, ROWS, World, client_for, world  # noqa: F401  (``world`` is a fixture)

TEMPLATES = sorted(Path(settings.BASE_DIR, "src").glob("**/templates/**/*.html"))


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def test_every_page_of_the_matrix_answers_with_a_strict_policy(world: World) -> None:  # noqa: F811
    """Each row as a stranger and as someone it opens to (the page itself, not only a redirect or a 404)."""
    for row in ROWS:
        opens_to = next((actor for actor in ACTORS if row.expect.get(actor, row.expect[PERSON]) == 200), PERSON)
        for actor in dict.fromkeys((ANONYMOUS, opens_to)):
            response = getattr(client_for(actor, world), row.method)(row.path(world))
            header = response.get("Content-Security-Policy")
            assert header, f"{actor} on {row.method} {row.key}: no Content-Security-Policy"
            policy = directives(header)
            assert policy["default-src"] == ["'self'"], header
            script_src = policy.get("script-src", policy["default-src"])
            assert "'unsafe-inline'" not in script_src, header
            assert "'unsafe-eval'" not in script_src, header
            assert "'unsafe-inline'" not in policy.get("style-src", policy["default-src"]), header
            assert policy["object-src"] == ["'none'"], header
            assert policy["frame-ancestors"] == ["'none'"], header


DATA_BLOCKS = {"application/json", "application/ld+json"}  # never executed, so the policy allows them
URL_ATTRIBUTES = {"href", "src", "action", "formaction"}


class InlineCode(HTMLParser):
    """Collects what a policy without ``unsafe-inline`` refuses: inline scripts, handlers and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and "src" not in named and named.get("type") not in DATA_BLOCKS:
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"{name}= on <{tag}> at line {self.getpos()[0]}")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}> at line {self.getpos()[0]}")


def test_the_templates_are_found() -> None:
    names = {path.name for path in TEMPLATES}
    assert {"base.html", "gradebook.html", "marks.html", "link_request.html"} <= names


def test_no_template_has_inline_script_handler_or_style() -> None:
    offenders = {}
    for path in TEMPLATES:
        parser = InlineCode()
        parser.feed(path.read_text(encoding="utf-8"))
        if parser.found:
            offenders[str(path.relative_to(settings.BASE_DIR))] = parser.found
    assert offenders == {}


def test_the_scanner_sees_inline_code() -> None:
    parser = InlineCode()
    parser.feed(
        '<script>alert(1)</script><script src="/static/x.js"></script><select onchange="go()"></select>'
        '<p style="color:red"></p><a href="javascript:go()">x</a><script type="application/json">{}</script>'
    )
    assert len(parser.found) == 4


# The header is built once (``dnevnik.csp``): the same text as django-csp's, following the settings.


def _library_header(path: str = "/") -> str:
    library = LibraryCSPMiddleware(lambda request: HttpResponse())
    response = library(RequestFactory().get(path))
    return str(response["Content-Security-Policy"])  # type: ignore[index]


def test_the_header_built_once_is_django_csps_own_and_follows_the_settings(client: Any, settings: Any) -> None:
    assert client.get("/accounts/login/")["Content-Security-Policy"] == _library_header()
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF], "img-src": [SELF, "https://tiles.test"]}}
    changed = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "https://tiles.test" in changed
    assert changed == _library_header()
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"default-src": [SELF]},
        "EXCLUDE_URL_PREFIXES": ["/api/"],
    }
    assert client.get("/accounts/login/")["Content-Security-Policy-Report-Only"] == "default-src 'self'"
    assert "Content-Security-Policy-Report-Only" not in client.get("/api/v1/openapi.json")


def test_a_response_with_a_policy_of_its_own_or_a_nonce_goes_through_django_csp(settings: Any) -> None:
    def own_policy(request: HttpRequest) -> HttpResponse:
        response = HttpResponse()
        response._csp_update = {"img-src": ["https://maps.test"]}  # type: ignore[attr-defined]
        return response

    def with_nonce(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f'<script nonce="{request.csp_nonce}"></script>')  # type: ignore[attr-defined]

    answered = CSPMiddleware(own_policy)(RequestFactory().get("/"))
    assert "https://maps.test" in answered["Content-Security-Policy"]  # type: ignore[index]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE]}}
    answered = CSPMiddleware(with_nonce)(RequestFactory().get("/"))
    nonce = answered.content.decode().split('"')[1]  # type: ignore[union-attr]
    assert f"'nonce-{nonce}'" in answered["Content-Security-Policy"]  # type: ignore[index]
