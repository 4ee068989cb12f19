"""Ingest API for the school's turnstile and canteen systems (OAuth2 client credentials)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["ingest"])
