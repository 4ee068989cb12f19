"""The production static files storage (``dnevnik.static``): the URLs of a collected manifest, remembered,
the same as WhiteNoise's own storage gives, and a name missing from the manifest still an error each time."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from dnevnik.static import RememberedManifestStorage

PAGE_FILES = ["css/site.css", "js/tabs.js", "js/menu.js", "manifest.webmanifest", "icons/icon-192.png"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static")
    storages = {"staticfiles": {"BACKEND": "dnevnik.static.RememberedManifestStorage"}}
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", "--noinput", "-v0", "-i", "admin", "-i", "ninja", "-i", "django_otp*")
    return root


def test_a_remembered_url_is_whitenoise_s_hashed_url(collected: Path) -> None:
    ours = RememberedManifestStorage(location=collected)
    theirs = CompressedManifestStaticFilesStorage(location=collected)
    for name in PAGE_FILES:
        url = ours.url(name)
        assert url == theirs.url(name)
        assert url != f"/static/{name}"  # the content hash is in the name
        assert ours.url(name) == url
    assert ours.url("css/site.css", force=True) == theirs.url("css/site.css", force=True)


def test_a_name_missing_from_the_manifest_fails_every_time(collected: Path) -> None:
    ours = RememberedManifestStorage(location=collected)
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            ours.url("css/no-such-file.css")
