"""A tiny bench dataset, built by the bench's own generator (``bench.dataset.build``) in the test database."""

from __future__ import annotations

import pytest

from bench.dataset import Manifest, Scale, build

TINY = Scale(schools=1, classes=2, pupils=6, weeks=2, families=4, mark_lessons=3, seed=5)


@pytest.fixture
def manifest(db: None) -> Manifest:
    return build(TINY, verbosity=0)
