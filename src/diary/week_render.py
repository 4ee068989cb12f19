"""The per-lesson markup of the family's week page, built in Python rather than by the template.

The template's loops over the week's lessons (about 35 a week) and, inside each, over its marks were most of
the page's CPU: each ``{{ }}`` and ``{% if %}`` is a node the engine resolves, escapes and localises once per
mark. Here a lesson's marks and the lines of their history are one ``format_html_join`` each, so everything
is still escaped; the title is translated with the msgid the template used (``weight %(weight)s``), so the
Russian catalogue still holds it; the weight is printed as digits, never localised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from diary.selectors import MarkRow


def _mark_title(mark: MarkRow) -> str:
    """«контрольная работа, вес 2: у доски»: the kind, the weight when not 1, the comment."""
    title = mark.kind_label
    if mark.weight != 1:  # 2..10 (``diary.marks.MAX_WEIGHT``): the digits the template's localised weight gave
        title += ", " + _("weight %(weight)s") % {"weight": mark.weight}
    if mark.comment:
        title += f": {mark.comment}"
    return title


def marks_line(marks: list[MarkRow]) -> SafeString:
    """A lesson's marks in its head: ``<span class="mark" data-testid="mark" title=…>5<sub>×2</sub></span>``
    each; empty for none."""
    return format_html_join(
        "",
        '<span class="mark" data-testid="mark" title="{}">{}{}</span>',
        (
            (
                _mark_title(mark),
                mark.value,
                format_html("<sub>×{}</sub>", mark.weight) if mark.weight != 1 else "",
            )
            for mark in marks
        ),
    )


def marks_history(marks: list[MarkRow]) -> SafeString:
    """One ``mark-history`` line per change of a lesson's marks, «5 → 4, изменена …», the marks in their order."""
    return format_html_join(
        "",
        '<p class="mark-history muted" data-testid="mark-history">{}</p>',
        ((text,) for mark in marks for text in mark.history),
    )
