"""Signing keys: from the environment or made once in var/, rotated without breaking live tokens."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

import requests
from django.core.management import call_command
from joserfc import jwt
from joserfc.jwk import KeySet

from portal import oidc_keys
from tests.oidc.conftest import Flow, Portal


def jwks(portal: Portal) -> KeySet:
    return KeySet.import_key_set(requests.get(portal.discovery["jwks_uri"], timeout=10).json())


def test_rotation_keeps_the_old_key_in_the_jwks(flow: Flow, portal: Portal, settings: Any) -> None:
    old_token = flow.tokens()["id_token"]
    old_key = settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": oidc_keys.new_private_key_pem(),
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [old_key],
    }
    keys = jwks(portal)
    assert len(keys.keys) == 2
    jwt.decode(old_token, keys, algorithms=["RS256"])
    new_flow = Flow(portal=portal, browser=flow.browser, client=portal.client())
    new_token = new_flow.tokens()["id_token"]
    assert (
        jwt.decode(new_token, keys, algorithms=["RS256"]).header["kid"]
        != jwt.decode(old_token, keys, algorithms=["RS256"]).header["kid"]
    )


def test_rotate_command_retires_the_key_and_makes_a_new_one(tmp_path: Path, settings: Any) -> None:
    settings.OIDC_KEY_DIR = tmp_path
    first = oidc_keys.active_key(tmp_path)
    call_command("rotate_oidc_key", stdout=io.StringIO())
    assert oidc_keys.active_key(tmp_path) != first
    assert oidc_keys.retired_keys(tmp_path, keep_seconds=3600) == [first]


def test_retired_keys_are_dropped_once_their_tokens_have_expired(tmp_path: Path) -> None:
    oidc_keys.active_key(tmp_path)
    retired = oidc_keys.rotate(tmp_path)
    an_hour_ago = time.time() - 3601
    os.utime(retired, (an_hour_ago, an_hour_ago))
    assert oidc_keys.retired_keys(tmp_path, keep_seconds=3600) == []
    assert not retired.exists()


def test_the_key_file_is_private(tmp_path: Path) -> None:
    oidc_keys.active_key(tmp_path)
    assert (tmp_path / "active.pem").stat().st_mode & 0o077 == 0
