"""The production static files storage, with each file's URL remembered.

WhiteNoise's ``CompressedManifestStaticFilesStorage`` finds a file's hashed name in the manifest, then
splits, unquotes, normalises and joins the URL again on every ``{% static %}``: about 20 µs each, and every
page asks for seven (the stylesheet, the scripts, the icons). The manifest is written by ``collectstatic``
before the process starts and never changes under it, so the answer for a name is the same for the life
of the process; ``force=True`` (collectstatic's own post-processing) is never remembered.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class RememberedManifestStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        known = self._urls.get(name)
        if known is None:
            known = self._urls[name] = super().url(name)
        return known
