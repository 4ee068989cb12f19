"""``core.urls.reverse`` (and the ``{% url %}`` every template uses through it) answers what Django's does, per
language, script prefix and URLconf, and forgets what it remembered when the URLconf changes."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix
from django.urls import reverse as django_reverse

from core.urls import reverse


def test_the_answers_are_djangos_for_names_and_arguments() -> None:
    pupil = uuid4()
    for name, args in (("portal:cabinet", ()), ("diary:week", (pupil,)), ("diary:marks", (str(pupil),))):
        assert reverse(name, args=args) == django_reverse(name, args=args)
        assert reverse(name, args=args) == django_reverse(name, args=args)  # from the memo
    assert reverse("diary:week", kwargs={"student_id": pupil}) == django_reverse("diary:week", args=[pupil])


def test_a_missing_url_still_raises() -> None:
    with pytest.raises(NoReverseMatch):
        reverse("portal:no-such-page")


def test_the_script_prefix_is_part_of_the_answer() -> None:
    plain = reverse("portal:cabinet")
    set_script_prefix("/city/")
    try:
        assert reverse("portal:cabinet") == "/city" + plain
    finally:
        clear_script_prefix()
    assert reverse("portal:cabinet") == plain


@override_settings(ROOT_URLCONF="tests.core.other_urls")
def test_another_urlconf_is_asked_again() -> None:
    assert reverse("only-here") == "/elsewhere/"


def test_the_template_tag_escapes_and_swallows_with_as() -> None:
    template = engines["django"].from_string(
        "{% url 'diary:week' pupil %}|{% url 'portal:no-such-page' as missing %}[{{ missing }}]"
    )
    pupil = uuid4()
    assert template.render({"pupil": pupil}) == f"{django_reverse('diary:week', args=[pupil])}|[]"
