"""The cache of the family's reads: the week, the marks by subject.

The access check still runs on every read (one query, which also brings the pupil's and the class's
``diary_version``, ``diary.versions``); only the data behind it is cached, under a key naming those versions,
the period, the language and the day. A write bumps a version in its own transaction, so the next read looks
up a key nobody has filled yet: a cached answer never outlives a change, and a revoked grant or an ended
guardian link is refused by the access check before the cache is asked. A subject teacher's partial read is
never cached.

The cache is Django's alias ``diary`` (local memory in the embedded default; Redis in production, see
``dnevnik.settings``). The same versions make the family endpoints' ``ETag``: a client that already has the
answer gets ``304 Not Modified`` after the access check alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches
from django.http import HttpRequest
from django.utils import timezone, translation

import access

T = TypeVar("T")
ALIAS = "diary"


def _versions(read: access.Read) -> str | None:
    """What the cached answer for ``read`` depends on besides its own parameters; None: not cached."""
    if read.subject_ids is not None:
        return None
    pupil = read.pupil
    school_class = pupil.school_class
    return (
        f"{pupil.pk}.{pupil.diary_version}:{school_class.pk}.{school_class.diary_version}:"
        f"{translation.get_language()}:{timezone.localdate().isoformat()}"
    )


def cached(read: access.Read, name: str, compute: Callable[[], T], *parts: object) -> T:
    """``compute()``, or its answer for the same read, versions and ``parts`` from the cache."""
    versions = _versions(read)
    if versions is None:
        return compute()
    key = ":".join((name, versions, *map(str, parts)))
    cache = caches[ALIAS]
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found)
    return found


def etag(read: access.Read, name: str, *parts: object) -> str:
    """A strong validator of the answer for ``read``: its versions, the pupil's row and ``parts``."""
    pupil = read.pupil
    source = ":".join(
        (
            name,
            f"{pupil.pk}.{pupil.diary_version}.{pupil.updated_at.isoformat()}",
            f"{pupil.school_class_id}.{pupil.school_class.diary_version}",
            f"{read.teacher_id or ''}:{translation.get_language()}:{timezone.localdate().isoformat()}",
            *map(str, parts),
        )
    )
    return '"' + hashlib.blake2b(source.encode(), digest_size=16).hexdigest() + '"'


def not_modified(request: HttpRequest, tag: str) -> bool:
    """Whether the client's ``If-None-Match`` already names ``tag``."""
    header = request.headers.get("If-None-Match", "")
    return header.strip() == "*" or tag in {part.strip().removeprefix("W/") for part in header.split(",")}
