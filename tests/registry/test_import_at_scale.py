"""The import as the benchmark runs it: generated files through the command and the back office, re-imports
that write nothing, edits that write exactly what changed, a bad row anywhere, and the COPY lane against the
ORM path on every spelling the rows module knows."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from registry import importing
from registry.importing import COLUMNS, copying
from registry.models import Guardian, Pupil, School, SchoolClass, StaffMember
from tests.registry.test_backoffice import account, signed_in
from tests.registry.test_import import csv_bytes, outcome

pytestmark = pytest.mark.django_db

PUPILS = 300


@pytest.fixture
def school() -> School:
    return School.objects.create(code="S-1", name="Школа № 1")


def generate(tmp_path: Path, name: str, **options: Any) -> Path:
    path = tmp_path / name
    call_command("generate_registry", pupils=PUPILS, out=str(path), verbosity=0, **options)
    return path


def state() -> dict[str, Any]:
    """Everything an import may write, row by row."""
    return {
        "pupils": list(Pupil.objects.order_by("pk").values()),
        "guardians": list(Guardian.objects.order_by("pk").values()),
        "classes": list(SchoolClass.objects.order_by("pk").values()),
    }


def registry_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "WITH"))
        and any(f"registry_{table}" in q["sql"] for table in ("pupil", "guardian", "schoolclass"))
    ]


def import_file(path: Path) -> str:
    out = io.StringIO()
    call_command("import_registry", str(path), school="S-1", stdout=out, verbosity=0)
    return out.getvalue()


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file, delimiter=";"))


def test_a_generated_file_imports_whole_and_again_writes_nothing(school: School, tmp_path: Path) -> None:
    path = generate(tmp_path, "registry.csv")
    rows = rows_of(path)
    assert rows[0] == list(COLUMNS)
    pupils = {tuple(r[1:5]) for r in rows[1:]}
    assert len(pupils) == PUPILS  # every generated pupil is a different person

    first = import_file(path)
    assert f"{len(rows) - 1} rows" in first
    assert f"Pupils: {PUPILS} created" in first
    before = state()

    with CaptureQueriesContext(connection) as queries:
        again = import_file(path)
    assert f"Pupils: 0 created, 0 updated, {PUPILS} unchanged." in again
    assert "Guardians: 0 created, 0 updated" in again
    if connection.vendor == "postgresql":
        # The statements that could write run, and match nothing; on SQLite no write is even sent.
        assert all("IS DISTINCT FROM" in sql or "ON CONFLICT" in sql for sql in registry_writes(queries))
    else:
        assert registry_writes(queries) == []
    assert state() == before
    assert AuditEvent.objects.filter(action="registry.import").count() == 2  # one an import, nothing per row


def test_an_edited_file_changes_exactly_the_edited_rows(school: School, tmp_path: Path) -> None:
    path = generate(tmp_path, "registry.csv")
    edited = generate(tmp_path, "edited.csv", edited=0.05)
    import_file(path)
    before = state()
    changed = [(old, new) for old, new in zip(rows_of(path)[1:], rows_of(edited)[1:], strict=True) if old != new]
    assert changed
    phones = sum(1 for _old, new in changed if new[6])
    moved = {(new[1], new[2], new[3]) for _old, new in changed if not new[6]}

    report = import_file(edited)

    assert f"Pupils: 0 created, {len(moved)} updated" in report
    assert f"Guardians: 0 created, {phones} updated" in report
    after = state()
    assert (len(after["pupils"]), len(after["guardians"])) == (len(before["pupils"]), len(before["guardians"]))
    pupils = [(old, new) for old, new in zip(before["pupils"], after["pupils"], strict=True) if old != new]
    assert {(new["surname"], new["given_name"], new["patronymic"]) for _old, new in pupils} == moved
    for old, new in pupils:
        assert {key for key in old if old[key] != new[key]} == {"school_class_id", "updated_at"}
    guardians = [(old, new) for old, new in zip(before["guardians"], after["guardians"], strict=True) if old != new]
    assert len(guardians) == phones
    for old, new in guardians:
        assert {key for key in old if old[key] != new[key]} == {"phone"}
        assert new["phone"].startswith("+7999")


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_bad_row_anywhere_leaves_the_registry_untouched(school: School, tmp_path: Path, where: str) -> None:
    path = generate(tmp_path, "registry.csv")
    import_file(path)
    before = state()
    rows = rows_of(generate(tmp_path, "edited.csv", edited=0.05))
    bad = {"first": 1, "middle": len(rows) // 2, "last": len(rows) - 1}[where]
    rows[bad][4] = "31.02.2015"
    broken = tmp_path / "broken.csv"
    with broken.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, delimiter=";", lineterminator="\r\n").writerows(rows)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_registry", str(broken), school="S-1", stderr=err, verbosity=0)
    assert f"row {bad + 1}, column pupil_birth_date" in err.getvalue()
    assert state() == before
    assert AuditEvent.objects.filter(action="registry.import").count() == 1


def test_the_backoffice_upload_of_a_generated_file(school: School, tmp_path: Path) -> None:
    registrar = account("registrar@example.ru", "+79000000031")
    StaffMember.objects.create(school=school, account=registrar, role=StaffMember.Role.REGISTRAR)
    client: Client = signed_in(registrar)
    path = generate(tmp_path, "registry.csv")
    edited = generate(tmp_path, "edited.csv", edited=0.05)

    def upload(file: Path) -> Any:
        data = SimpleUploadedFile(file.name, file.read_bytes(), content_type="text/csv")
        return client.post("/backoffice/registry/import/", {"school": school.pk, "file": data})

    assert upload(path).context["report"].pupils_created == PUPILS
    before = state()
    again = upload(path).context["report"]
    assert (again.pupils_unchanged, again.changed) == (PUPILS, False)
    assert state() == before
    report = upload(edited).context["report"]
    assert report.changed
    assert (report.pupils_created, report.guardians_created) == (0, 0)
    changed_guardians = sum(old != new for old, new in zip(before["guardians"], state()["guardians"], strict=True))
    assert changed_guardians == report.guardians_updated


# --- The COPY lane against the ORM path ------------------------------------------------------------

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY lane is PostgreSQL's")

GOOD = {
    "class": "7А",
    "pupil_surname": "Смирнов",
    "pupil_name": "Артём",
    "pupil_patronymic": "Андреевич",
    "pupil_birth_date": "14.03.2013",
    "pupil_snils": "",
    "guardian_surname": "Смирнова",
    "guardian_name": "Ольга",
    "guardian_patronymic": "",
    "guardian_relation": "мать",
    "guardian_phone": "+7 916 000-00-01",
    "guardian_email": "",
    "guardian_snils": "",
}
# Spellings of one cell each: the lane takes the plain ones, leaves the rest to rows.parse_row, and both
# lanes must answer alike (stored values, counts and problems).
SPELLINGS: dict[str, list[str]] = {
    "class": ["7а", "7 А", "7-Б", " 7А", "07А", "12А", "7A", "7Ё", "11й", "", "   "],
    "pupil_surname": ["ЁЛКИН", "Ёлкин", "Петров-Водкин", "д'Артаньян", "Ван Дер", "Smith", "Smithов", "Иван1", "   "],
    "pupil_patronymic": ["", " ", "Ильич", "оглы Ильич", "x" * 101],
    "pupil_birth_date": [
        "4.3.2013",
        "2013-03-04",
        "2013-03-04T00:00",
        "31.02.2013",
        "29.02.2012",
        "29.02.2013",
        "01.01.1899",
        "01.01.2999",
        "1.1.13",
        "",
        "١٤.03.2013",
    ],
    "pupil_snils": [
        "112-233-445 95",
        "11223344595",
        "112 233 445 95",
        "112-233-445 96",
        "001-001-998 00",
        "123",
        " 112-233-445 95",
    ],
    "guardian_relation": [
        "Мама",
        "ОТЕЦ",
        "законный  представитель",
        "Законный представитель",
        "legal_representative",
        "Guardian",
        "тётя",
        "",
    ],
    "guardian_phone": [
        "89160000001",
        "8 (916) 000-00-01",
        "+7(916)0000001",
        "9160000001",
        "+7 495 000-00-01",
        "+7 930 001-00-00",
        "12",
        "+7\u00a0916 000-00-01",
        "",
    ],
    "guardian_email": [
        "Olga@Example.RU",
        "olga.s-1_a+b@mail.example.ru",
        "olga@@example.ru",
        "olga@example",
        "olga@пример.рф",
        "o" * 250 + "@x.ru",
        " olga@example.ru",
    ],
    "guardian_snils": ["200-300-402 50", "200-300-402 51"],
    "guardian_name": ["", "   ", "Ольга Мария"],
}


def spelling_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    n = 0
    for column, values in SPELLINGS.items():
        for value in values:
            n += 1
            # Each row a different pupil (its own birth year) unless the cell under test is the birth date.
            base = {**GOOD, "pupil_name": GOOD["pupil_name"], "pupil_birth_date": f"14.03.{1950 + n}"}
            rows.append({**base, column: value})
    rows.append({name: "" for name in COLUMNS})  # a row of empty cells is a blank row
    rows.append({**GOOD, **{name: " " for name in COLUMNS if name.startswith("guardian_")}})
    return rows


def lane_was_taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    taken: list[bool] = []
    real = copying.stage_csv

    def watched(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(importing, "stage_csv", watched)
    return taken


@on_postgres
def test_the_copy_lane_answers_as_the_orm_path_on_every_spelling(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = lane_was_taken(monkeypatch)
    rows = spelling_rows()
    bad = csv_bytes(rows, delimiter=";")
    orm, postgres = outcome(school, bad, "orm"), outcome(school, bad, "postgres")
    assert orm == postgres
    assert taken == [True]
    assert {code for _row, _column, code in orm[0]} >= {"class_format", "snils_checksum", "phone_not_mobile"}

    # Only the good spellings: the lane stores exactly what the ORM path stores.
    good_rows = []
    for values in rows:
        data = csv_bytes([values])
        result = outcome(school, data, "orm")
        if result[1] is not None:
            good_rows.append(values)
    good = csv_bytes(good_rows)
    assert len(good_rows) > 30
    assert outcome(school, good, "orm") == outcome(school, good, "postgres")


@on_postgres
@pytest.mark.parametrize(
    "data",
    [
        b'class;pupil_surname;pupil_name;pupil_birth_date\r\n7\xd0\x90;"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2";'
        b"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd;01.02.2014\r\n",  # a quoted cell
        b"class;pupil_surname;pupil_name;pupil_birth_date\n\n7\xd0\x90;\xd0\x98\xd0\xb2;\xd0\x98\xd0\xb2;01.02.2014\n",
        b"class;pupil_surname;pupil_name;pupil_birth_date\n7\xd0\x90;\xd0\x98\xd0\xb2\n",  # a short row
        b"class;pupil_surname;pupil_name;pupil_birth_date\n\\.\n7\xd0\x90;\xd0\x98\xd0\xb2;\xd0\x98\xd0\xb2;01.02.2014\n",
        b"class;pupil_surname;pupil_name;pupil_birth_date;\n7\xd0\x90;\xd0\x98\xd0\xb2;\xd0\x98\xd0\xb2;01.02.2014;x\n",
    ],
)
def test_a_file_that_is_not_plain_is_read_alike(school: School, data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    lane_was_taken(monkeypatch)
    assert outcome(school, data, "orm") == outcome(school, data, "postgres")


def test_the_command_shows_rows_and_phases_as_it_goes(school: School, tmp_path: Path) -> None:
    path = generate(tmp_path, "registry.csv")
    err = io.StringIO()
    call_command("import_registry", str(path), school="S-1", stdout=io.StringIO(), stderr=err)
    shown = err.getvalue()
    assert all(phase in shown for phase in ("reading", "checking", "writing"))
    assert f"/{len(rows_of(path)) - 1}" in shown  # rows read out of the rows of the file
