"""``core.markup`` prints what Django's ``format_html`` prints, for every kind of argument the pages pass."""

from __future__ import annotations

import pytest
from django.utils import html as django_html
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from core import markup

ARGUMENTS: list[object] = [
    "plain",
    "<b>bold</b> & \"quoted\" 'single'",
    mark_safe("<i>already safe</i>"),
    gettext_lazy("Topic"),
    7,
    None,
    "«ёлка» — <ёж>",
]


@pytest.mark.parametrize("argument", ARGUMENTS, ids=repr)
def test_format_html_prints_djangos_bytes(argument: object) -> None:
    with translation.override("ru"):
        ours = markup.format_html('<p title="{}">{}</p>', argument, argument)
        django = django_html.format_html('<p title="{}">{}</p>', argument, argument)
    assert ours == django
    assert isinstance(ours, SafeString)


def test_format_html_join_prints_djangos_bytes_and_escapes_the_separator() -> None:
    rows = [(argument, index) for index, argument in enumerate(ARGUMENTS)]
    ours = markup.format_html_join(" & ", "<li data-n='{1}'>{0}</li>", rows)
    assert ours == django_html.format_html_join(" & ", "<li data-n='{1}'>{0}</li>", rows)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; &#x27;single&#x27;" in ours
    assert "<i>already safe</i>" in ours
    assert markup.format_html_join("", "<li>{}</li>", []) == ""
