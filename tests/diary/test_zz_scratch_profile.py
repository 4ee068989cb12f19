"""Scratch: per-request CPU of the family's reads (not committed)."""

from __future__ import annotations

import cProfile
import os
import pstats
import secrets
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from tests.diary.conftest import TERM_START
from tests.diary.test_family_api import heavy_week

N = int(os.environ.get("N", "150"))


def _token(user: Any) -> str:
    app = Application.objects.create(
        name="m",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://a/cb",
        algorithm=Application.RS256_ALGORITHM,
    )
    raw = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        user=user, application=app, token=raw, scope="openid diary.read", expires=timezone.now() + timedelta(hours=1)
    )
    return raw


def run(label: str, client: Client, path: str, **headers: Any) -> None:
    for _ in range(5):
        assert client.get(path, **headers).status_code == 200
    with CaptureQueriesContext(connection) as q:
        r = client.get(path, **headers)
    assert r.status_code == 200, r.content[:300]
    q = list(q.captured_queries)
    prof = cProfile.Profile() if os.environ.get("PROFILE") == label else None
    t0 = time.process_time()
    if prof:
        prof.enable()
    from django.core.cache import caches
    uncached = os.environ.get("UNCACHED")
    for _ in range(N):
        if uncached:
            caches["diary"].clear()
        client.get(path, **headers)
    if prof:
        prof.disable()
    ms = (time.process_time() - t0) / N * 1000
    print(f"\n{label}: {ms:.2f} ms CPU/request, {len(q)} queries")
    if os.environ.get("SQL"):
        for one in q:
            print("   ", one["sql"][:160] + " ... " + one["sql"][-200:])
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)


@pytest.mark.django_db
def test_profile(diary_school: Any, settings: Any) -> None:
    ds = diary_school
    heavy_week(ds)
    anna = ds.pupils[0]
    start = TERM_START + timedelta(days=7)
    token = _token(ds.parent)
    bearer = Client()
    session = Client()
    session.force_login(ds.parent)
    api = f"/api/v1/students/{anna.public_id}/diary?from={start}&to={start + timedelta(days=6)}"
    run("api_bearer", bearer, api, HTTP_AUTHORIZATION=f"Bearer {token}")
    run("api_session", session, api)
    run("week_page", session, f"/diary/{anna.public_id}/?week={start}")
    run("marks_page", session, f"/diary/{anna.public_id}/marks/")
