"""``{% load names %}``: ``{{ full_name|declined:"genitive" }}``, ``{{ full_name|about }}`` (о/об and the
prepositional) and ``{{ full_name|name_gender }}``."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from portal.names import about as about_name
from portal.names import decline_full_name, gender_of_full_name

register = template.Library()


@register.filter
def declined(full_name: str, case: str) -> str:
    """Declined only on a Russian page: in English the name stays as the registry spells it."""
    if not (get_language() or "").startswith("ru"):
        return str(full_name)
    return decline_full_name(str(full_name), case)


@register.filter
def name_gender(full_name: str) -> str:
    return str(gender_of_full_name(str(full_name)))


@register.filter
def about(full_name: str) -> str:
    """«об Андреевой Анне», «о Борисове Борисе»; «about …» on an English page."""
    return about_name(str(full_name))
