"""What a request leaves alone: a bearer read never opens the session (no ``Vary: Cookie``, the session's
lifetimes untouched), and the messages wait, whatever API reads come in between, for the page that shows
them (``dnevnik.messages``: the storage is made on first use)."""

from __future__ import annotations

from django.test import Client

from notify.models import Preference
from tests.diary.conftest import DiarySchool, client_for
from tests.diary.test_reads_write_nothing import bearer_token

SAVED = "Настройки уведомлений сохранены."


def test_a_bearer_read_does_not_open_the_session(diary_school: DiarySchool) -> None:
    parent, pupil = diary_school.parent, diary_school.pupils[0]
    token = bearer_token(parent)
    answer = Client().get(f"/api/v1/students/{pupil.public_id}/diary", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200
    assert "Cookie" not in answer.headers.get("Vary", ""), answer.headers.get("Vary")
    assert not answer.cookies, "a bearer read sets no cookie"
    # The same account's session still has its lifetimes kept: its pages vary by the cookie.
    page = client_for(parent).get(f"/diary/{pupil.public_id}/")
    assert page.status_code == 200
    assert "Cookie" in page.headers["Vary"]


def test_a_message_waits_for_the_page_through_api_reads(diary_school: DiarySchool) -> None:
    parent, pupil = diary_school.parent, diary_school.pupils[0]
    client = client_for(parent)
    client.get("/cabinet/")  # the first request after sign-in touches the session
    saved = client.post("/cabinet/notifications/settings/", {"user": str(parent.pk)}, HTTP_ACCEPT_LANGUAGE="ru")
    assert saved.status_code == 302
    assert Preference.objects.filter(user=parent, enabled=False).exists()
    for _ in range(2):  # reads that show no message must not use it up
        assert client.get(f"/api/v1/students/{pupil.public_id}/diary").status_code == 200
    page = client.get(saved["Location"], HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert SAVED in page
    again = client.get(saved["Location"], HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert SAVED not in again, "a message is shown once"
