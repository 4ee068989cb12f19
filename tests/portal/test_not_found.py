"""A page a person may not (or may no longer) see answers 404 inside the site's frame, in Russian, with a
way back — a trusted person meets it in the ordinary story, right after access is revoked."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db
def test_not_found_is_the_sites_own_page_with_a_way_back(register: Any, web: Client) -> None:
    register()

    response = web.get(f"/diary/{uuid.uuid4()}/", HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="not-found"' in page
    assert "Страница не найдена" in page
    assert 'href="/cabinet/"' in page


@pytest.mark.django_db
def test_a_stranger_is_offered_to_sign_in() -> None:
    response = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ru")

    assert response.status_code == 404
    assert 'href="/signin/"' in response.content.decode()
