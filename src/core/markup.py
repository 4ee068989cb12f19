"""``format_html`` and ``format_html_join`` for markup built in Python row by row, with Django's bytes.

Django's own pass every argument through ``conditional_escape`` and ``escape``, which ``keep_lazy`` wraps in a
scan of the arguments for lazy strings: about five microseconds an argument, and the family's week escapes
some five hundred values (a quarter of the page's CPU). These do the same in one ``__html__`` check and the
standard library's ``html.escape`` (the function Django's ``escape`` calls, so ``&quot;`` and ``&#x27;`` come
out the same and the pages stay byte for byte what the templates printed). markupsafe's C escape would be
faster still, but writes ``&#34;`` and ``&#39;``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from django.utils.safestring import SafeString


def escape(value: object) -> str:
    """``value`` as text safe in HTML: already-safe markup (``__html__``) as it is, anything else escaped."""
    as_html = getattr(value, "__html__", None)
    if as_html is not None:
        return str(as_html())
    return html.escape(str(value))


def format_html(template: str, *args: object) -> SafeString:
    """``template.format`` of the escaped ``args``: ``django.utils.html.format_html`` without keyword args."""
    return SafeString(template.format(*map(escape, args)))


def format_html_join(separator: str, template: str, rows: Iterable[Iterable[object]]) -> SafeString:
    """``format_html(template, *row)`` for each row, joined by the (escaped) ``separator``."""
    return SafeString(escape(separator).join(template.format(*map(escape, row)) for row in rows))
