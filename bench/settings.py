"""The product's settings (``dnevnik.settings``, from the environment as in production) with one bench
switch: ``BENCH_CACHE=off`` replaces every cache but the sessions' with Django's dummy cache, so the
"uncached" server misses whatever the product caches while the "cached" one, started beside it, hits."""

import os

from dnevnik import settings as _product
from dnevnik.settings import *  # noqa: F403

if os.environ.get("BENCH_CACHE") == "off":
    _caches = getattr(_product, "CACHES", None) or {"default": {}}
    _engine = getattr(_product, "SESSION_ENGINE", "django.contrib.sessions.backends.db")
    _kept = getattr(_product, "SESSION_CACHE_ALIAS", "default") if "cache" in _engine else None
    CACHES = {
        alias: config if alias == _kept else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        for alias, config in _caches.items()
    }
