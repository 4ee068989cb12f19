"""The back office speaks Russian: a registrar walks every page of it and finds no English labels, the link
request's differences read as a list with both values, and dates are ДД.ММ.ГГГГ."""

from __future__ import annotations

import re
from datetime import date, time
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from diary.models import LessonSlot, TimetableEntry
from portal.models import User
from registry.backoffice import backoffice
from registry.linking import request_link
from registry.models import Guardian, Holiday, School, SchoolYear, StaffMember, Subject, Term
from tests.registry.test_backoffice import account, pupil
from visits.models import Card

# What the issue saw, and the labels Django derives from field names when a model gives none.
ENGLISH = [
    "Link request",
    "Created at",
    "Kind",
    "Account",
    "Timetable entr",
    "Lesson slot",
    "Differences",
    "Diary",
    "School year",
    "Holiday",
    "Subject",
    "Staff member",
    "Weekday",
    "Subgroup",
    "Starts on",
    "Ends on",
    "Decided",
    "Relation",
    "Status",
    "State",
    "Grade",
    "Letter",
    "Number",
    "birth_date",
    "Registry",
]
# A record's public identifier is hex, not a word: its letter groups ("-ebfb-") must not read as English.
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
# Words a Russian page may still contain in Latin letters.
ALLOWED_LATIN = {"csv", "xlsx", "email", "example", "ru", "e-mail"}


class VisibleText(HTMLParser):
    """Text a person reads: element content (not scripts or styles) and the title/placeholder/value attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        button = tag == "input" and dict(attrs).get("type") in ("submit", "button")
        for name, value in attrs:
            if value and (name in ("title", "placeholder", "aria-label") or (button and name == "value")):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def registry(db: None) -> dict[str, Any]:
    school = School.objects.create(code="a", name="Школа А")
    registrar = account("registrar-a@example.ru", "+79000000011")
    StaffMember.objects.create(school=school, account=registrar, role=StaffMember.Role.REGISTRAR)
    record = pupil(school, "Алексеев")
    Guardian.objects.create(pupil=record, surname="Алексеева", given_name="Мария", relation=Guardian.Relation.MOTHER)
    year = SchoolYear.objects.create(
        school=school, name="2026/2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31)
    )
    Term.objects.create(year=year, number=1, name="1 четверть", starts_on=date(2026, 9, 1), ends_on=date(2026, 10, 25))
    Holiday.objects.create(year=year, name="Осенние каникулы", starts_on=date(2026, 10, 26), ends_on=date(2026, 11, 3))
    subject = Subject.objects.create(school=school, name="Алгебра")
    slot = LessonSlot.objects.create(school=school, number=1, starts_at=time(8, 30), ends_at=time(9, 15))
    teacher = account("teacher@example.ru", "+79000000012")
    StaffMember.objects.create(school=school, account=teacher, role=StaffMember.Role.TEACHER)
    TimetableEntry.objects.create(
        school_class=record.school_class, weekday=0, slot=slot, subject=subject, teacher=teacher, room="12"
    )
    Card.objects.create(school=school, number="0001", pupil=record)
    # The person typed another birth date than the school keeps (2012-05-01): the request waits.
    person = account("ivan@example.ru", "+79000000020", birth_date=date(2012, 2, 1))
    User.objects.filter(pk=person.pk).update(surname="Алексеев", given_name="Иван", patronymic="Петрович")
    person.refresh_from_db()
    link_request = request_link(user=person, kind="pupil", school_id=school.pk)
    assert link_request.state == "pending"
    return {"registrar": registrar, "link_request": link_request}


def backoffice_pages(client: Client) -> list[str]:
    """The index, the import, and for every model: its list, its add form (if any) and its first record."""
    urls = ["/backoffice/", "/backoffice/registry/import/"]
    for model in backoffice._registry:
        base = f"/backoffice/{model._meta.app_label}/{model._meta.model_name}/"
        urls.append(base)
        if client.get(base + "add/").status_code == 200:
            urls.append(base + "add/")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(f"{base}{first.pk}/change/")
    return urls


def test_every_back_office_page_is_in_russian(registry: dict[str, Any]) -> None:
    client = Client()
    client.force_login(registry["registrar"])
    pages = backoffice_pages(client)
    assert len(pages) > 20
    for url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
        assert response.status_code == 200, url
        text = UUID.sub("", visible_text(response.content.decode()))
        for english in ENGLISH:
            assert english.lower() not in text.lower(), f"{url}: {english!r} in {text}"
        latin = {word.lower() for word in re.findall(r"\b[A-Za-z][A-Za-z_-]{2,}\b", text)} - ALLOWED_LATIN
        assert not latin, (url, sorted(latin))


def test_a_new_pupil_form_shows_no_identifier_the_save_would_not_keep(registry: dict[str, Any]) -> None:
    client = Client()
    client.force_login(registry["registrar"])
    page = client.get("/backoffice/registry/pupil/add/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert not UUID.search(visible_text(page))
    record = registry["link_request"].pupil
    change = client.get(f"/backoffice/registry/pupil/{record.pk}/change/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert str(record.public_id) in visible_text(change)


def test_the_index_links_to_the_registry_import(registry: dict[str, Any]) -> None:
    client = Client()
    client.force_login(registry["registrar"])
    html = client.get("/backoffice/").content.decode()
    assert 'href="/backoffice/registry/import/"' in html
    assert "Записи расписания" in html
    assert "Заявки на привязку" in html


def test_a_link_request_lists_its_differences_with_both_values(registry: dict[str, Any]) -> None:
    client = Client()
    client.force_login(registry["registrar"])
    link_request = registry["link_request"]
    text = visible_text(client.get(f"/backoffice/registry/linkrequest/{link_request.pk}/change/").content.decode())
    assert "Дата рождения: в заявке 01.02.2012, в реестре — 01.05.2012" in text
    assert '["birth_date"]' not in text
    listing = visible_text(client.get("/backoffice/registry/linkrequest/").content.decode())
    assert re.search(r"\b\d\d\.\d\d\.\d{4} \d\d:\d\d\b", listing)  # «Дата создания» as ДД.ММ.ГГГГ ЧЧ:ММ
