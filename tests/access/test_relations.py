"""The relation table of ``access``: one filter that every read agrees with, and a policy that only reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

import access
from core.errors import NotFound
from diary.homework import set_homework
from diary.lessons import generate_lessons
from diary.models import HomeworkAttachment, Lesson
from portal.models import User
from registry.models import Pupil
from tests.diary.conftest import DiarySchool, client_for, make_account
from tests.grants import make_grant
from trust.models import Grant, View
from trust.services import flush_views

SRC = Path(__file__).resolve().parents[2] / "src"
ACCESS = SRC / "access" / "__init__.py"


@pytest.fixture
def nanny(diary_school: DiarySchool) -> User:
    """A trusted person of Анна's diary (active), invited for her visits and meals (still pending)."""
    person = make_account("nanny@example.ru", "+79000000198", "Нянина", "Нина")
    anna = diary_school.pupils[0]
    make_grant(anna, person, access.DIARY)
    make_grant(anna, person, access.VISITS_MEALS, state=Grant.State.PENDING)
    return person


def _readers(ds: DiarySchool, nanny: User) -> dict[str, User]:
    return {
        "parent": ds.parent,
        "other_parent": ds.other_parent,
        "pupil": ds.pupil_account,
        "form_tutor": ds.form_tutor,
        "math_teacher": ds.math_teacher,
        "nanny": nanny,
    }


def _gets(viewer: User, pupil: Pupil, service: str) -> bool:
    try:
        access.get_student(viewer, pupil.public_id, service=service)
    except NotFound:
        return False
    return True


@pytest.mark.parametrize("service", access.ALL_SERVICES)
def test_readable_pupils_is_the_filter_every_read_of_a_pupil_agrees_with(
    diary_school: DiarySchool, nanny: User, service: str
) -> None:
    everyone = list(Pupil.objects.all())
    expected = {
        "parent": {"Анна", "Глеб"},
        "other_parent": {"Борис"},
        "pupil": {"Вера"},
        "form_tutor": {"Анна", "Борис", "Вера"},  # 7А
        "math_teacher": set(),  # a subject teacher reads part of a diary, never a whole service
        "nanny": {"Анна"} if service == access.DIARY else set(),  # the visits grant is still pending
    }
    for name, viewer in _readers(diary_school, nanny).items():
        readable = access.readable_pupils(viewer, service)
        assert {pupil.given_name for pupil in readable} == expected[name], name
        assert {pupil for pupil in everyone if _gets(viewer, pupil, service)} == set(readable), name
        # A filter to build on, not a fetched list: it narrows further in SQL.
        assert set(readable.filter(school_class=diary_school.class_7b)) <= {diary_school.stranger_pupil}


def test_no_one_signed_out_or_blocked_reads_anyone(diary_school: DiarySchool) -> None:
    assert not access.readable_pupils(AnonymousUser(), access.DIARY).exists()
    diary_school.parent.is_active = False
    assert not access.readable_pupils(diary_school.parent, access.DIARY).exists()


def test_the_family_readers_are_the_same_table_read_from_the_pupils_side(
    diary_school: DiarySchool, nanny: User
) -> None:
    anna, boris, vera = diary_school.pupils
    ids = [anna.pk, boris.pk, vera.pk]
    diary = access.family_readers(ids, access.DIARY)
    assert diary == {
        anna.pk: {diary_school.parent.pk, nanny.pk},
        boris.pk: {diary_school.other_parent.pk},
        vera.pk: {diary_school.pupil_account.pk},
    }
    assert access.family_readers(ids, access.VISITS_MEALS)[anna.pk] == {diary_school.parent.pk}
    # Every family reader reads the pupil (staff read too, but are not told of every mark).
    for pupil_id, accounts in diary.items():
        for account in User.objects.filter(pk__in=accounts):
            assert access.readable_pupils(account, access.DIARY).filter(pk=pupil_id).exists()


def test_a_persons_children_are_read_in_one_query(
    diary_school: DiarySchool, nanny: User, django_assert_num_queries: Any
) -> None:
    gleb = diary_school.stranger_pupil
    make_grant(gleb, nanny, access.VISITS_MEALS)
    with django_assert_num_queries(1):
        visible = access.visible_students(nanny)
    assert [(child.pupil.given_name, child.relation, child.services) for child in visible] == [
        ("Анна", "trusted", (access.DIARY,)),
        ("Глеб", "trusted", (access.VISITS_MEALS,)),
    ]
    with django_assert_num_queries(2):  # and whether the guardian is an adult (``User.is_minor``)
        mine = access.visible_students(diary_school.parent)
    assert {(child.pupil.given_name, child.relation, child.manages_trust) for child in mine} == {
        ("Анна", "guardian", True),
        ("Глеб", "guardian", True),
    }


@pytest.fixture
def attachment(diary_school: DiarySchool) -> HomeworkAttachment:
    generate_lessons(term=diary_school.term)
    lesson = Lesson.objects.filter(school_class=diary_school.class_7a, subject=diary_school.algebra).first()
    assert lesson is not None
    set_homework(
        teacher=diary_school.math_teacher,
        lesson_id=lesson.pk,
        text="№ 1",
        files=[SimpleUploadedFile("task.txt", b"solve it", content_type="text/plain")],
    )
    return HomeworkAttachment.objects.get()


FAMILY_READS = [
    (access.DIARY, "/api/v1/students/{id}/diary"),
    (access.DIARY, "/api/v1/students/{id}/marks"),
    (access.DIARY, "/api/v1/students/{id}/homework"),
    (access.DIARY, "/api/v1/students/{id}/attendance"),
    (access.DIARY, "/diary/{id}/"),
    (access.DIARY, "/diary/{id}/marks/"),
    (access.DIARY, "/diary/{id}/homework/"),
    (access.DIARY, "/diary/{id}/attendance/"),
    (access.DIARY, "/diary/attachments/{attachment}/"),
    (access.VISITS_MEALS, "/api/v1/students/{id}/visits"),
    (access.VISITS_MEALS, "/api/v1/students/{id}/meals"),
    (access.VISITS_MEALS, "/diary/{id}/visits/"),
    (access.VISITS_MEALS, "/diary/{id}/meals/"),
]


@pytest.mark.parametrize(("service", "path"), FAMILY_READS, ids=[path for _service, path in FAMILY_READS])
def test_every_read_through_a_grant_is_in_the_view_log_and_no_other_read_is(
    diary_school: DiarySchool, attachment: HomeworkAttachment, service: str, path: str
) -> None:
    anna = diary_school.pupils[0]
    url = path.format(id=anna.public_id, attachment=attachment.pk)
    person = make_account("granny@example.ru", "+79000000197", "Бабушкина", "Бэла")
    grant = make_grant(anna, person, service)
    for reader in (diary_school.parent, diary_school.form_tutor):
        assert client_for(reader).get(url).status_code == 200
    flush_views()
    assert not View.objects.exists()

    assert client_for(person).get(url).status_code == 200
    flush_views()
    assert list(View.objects.values_list("grant_id", "section")) == [(grant.pk, service)]


def _imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """The modules a source imports, each with whether the import is inside a function."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                found.extend((f"{child.module}.{alias.name}", in_function) for alias in child.names)
            visit(child, nested)

    visit(tree, False)
    return found


def test_the_policy_only_reads_and_hides_no_import() -> None:
    """``access`` writes nothing (no services, tasks or the view log's writer) and imports at the top only."""
    imports = _imports(ast.parse(ACCESS.read_text()))
    assert imports, "the parser found the module's imports"
    names = [name for name, _local in imports]
    assert not [name for name in names if re.search(r"\.(services|tasks)(\.|$)|record_view", name)]
    assert not [name for name, local in imports if local]


# Ways of deciding who is related to a pupil. Outside ``access`` they appear only where no access is decided:
# the definition of an active grant, the demo data, and the registry's checks that a link may be made.
RELATION_PATTERNS = [
    r"guardians__account",
    r"active_grants\(",
    r"Guardian\.objects\.filter\([^)]*\baccount=",
    r"TimetableEntry\.objects\.filter\([^)]*\bteacher=",
    r"role=StaffMember\.Role\.FORM_TUTOR",
    r"record_view\(",
]
# erasure/services.py detaches an anonymised account from its registry rows (a write, not a decision of access).
ALLOWED = {"trust/models.py", "registry/demo.py", "trust/demo.py", "erasure/services.py"}
WRITER = "trust/services.py"  # where the view log's writer is defined and connected


def test_no_app_decides_a_relation_on_its_own() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(("access/", "tests/")) or "/migrations/" in relative or relative in ALLOWED:
            continue
        text = path.read_text()
        for pattern in RELATION_PATTERNS:
            for match in re.finditer(pattern, text):
                line = text[: match.start()].count("\n") + 1
                if not (pattern == r"record_view\(" and relative == WRITER):
                    found.append(f"{relative}:{line}: {pattern}")
    assert found == []
