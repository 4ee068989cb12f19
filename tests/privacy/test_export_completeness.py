"""Every model that keeps data about an account or a pupil is exported, or excluded with a reason.

A model counts when it has a foreign key (or one-to-one) to the account model, to a pupil or a guardian (the
registry's persons), or to a model that is itself exported (``trust.View`` → ``trust.Grant``). A new model of
that kind fails this test until it is added to ``privacy.export.EXPORTED`` or, with a comment why, to
``EXCLUDED``.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Model

from privacy.export import EXCLUDED, EXPORTED
from registry.models import Guardian, Pupil

ROOTS: set[type[Model]] = {get_user_model(), Pupil, Guardian}


def _links(model: type[Model]) -> set[type[Model]]:
    return {
        field.related_model
        for field in model._meta.get_fields()
        if field.concrete and (field.many_to_one or field.one_to_one) and isinstance(field.related_model, type)
    }


def _personal_models() -> set[str]:
    exported = {apps.get_model(label) for label in EXPORTED}
    found: set[str] = set()
    for model in apps.get_models():
        if model in ROOTS or _links(model) & (ROOTS | exported):
            found.add(model._meta.label)
    return found


def test_every_personal_model_is_exported_or_excluded_with_a_reason() -> None:
    missing = _personal_models() - set(EXPORTED) - set(EXCLUDED)
    assert not missing, f"add these models to privacy.export.EXPORTED or EXCLUDED (with the reason): {sorted(missing)}"


def test_the_lists_name_real_models_once_and_reasons_are_given() -> None:
    for label in [*EXPORTED, *EXCLUDED]:
        apps.get_model(label)  # LookupError for a name that is no model
    assert not set(EXPORTED) & set(EXCLUDED)
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_a_new_personal_model_would_fail() -> None:
    """The check itself can fail: pretend the marks were forgotten."""
    exported = dict(EXPORTED)
    del exported["diary.Mark"]
    assert "diary.Mark" in _personal_models() - set(exported) - set(EXCLUDED)
