"""«Мои данные» shows the audit events as Russian phrases, not action codes; an unknown action shows its code."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from audit.models import AuditEvent
from audit.services import record_event
from privacy.selectors import EVENT_PHRASES
from tests.conftest import CommittingClient
from tests.diary.conftest import DiarySchool, diary_school  # noqa: F401

SRC = Path(__file__).resolve().parents[2] / "src"
# An action literal: the ``action=`` of record_event (one or two, with a conditional), or the first item of an
# event tuple handed to record_events.
ACTION = re.compile(r'"((?:[a-z]+)\.[a-z_]+)"')


def written_actions() -> set[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"\baction=|events\.append\(\(", line):
                found |= set(ACTION.findall(line))
    return found


def test_the_scan_finds_the_actions() -> None:
    assert {"privacy.export_requested", "diary.mark_set", "trust.invite", "messaging.unmuted"} <= written_actions()


def test_every_action_written_in_src_has_a_phrase() -> None:
    assert written_actions() - EVENT_PHRASES.keys() == set(), "audit actions without a phrase in EVENT_PHRASES"


def test_the_page_shows_phrases_and_an_unknown_action_by_its_code(
    diary_school: DiarySchool,  # noqa: F811
    make_client: Callable[[], CommittingClient],
) -> None:
    client = make_client()
    client.force_login(diary_school.parent)
    client.post("/cabinet/data/export/")
    record_event(actor=diary_school.parent, action="future.something_new", target=diary_school.parent)
    assert AuditEvent.objects.filter(actor=diary_school.parent).count() == 2
    page = client.get("/cabinet/data/").content.decode()
    events = page[page.index('data-testid="events"') :]
    assert "Выгрузка данных запрошена" in events
    assert "privacy.export_requested" not in events
    assert "<code>future.something_new</code>" in events
