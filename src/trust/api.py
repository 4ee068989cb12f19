"""Trusted persons and subscriptions API: ``/trusted-persons`` and ``/subscriptions``."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["trust"])
