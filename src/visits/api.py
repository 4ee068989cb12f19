"""Family API of visits and meals: ``/students/{id}/visits`` and ``/students/{id}/meals``."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["visits"])
