"""The bench's dataset: the product's own generator (``manage.py generate_diary_data``: schools, classes,
pupils, a timetable, a term of lessons and marks), then what a family's evening read needs and that
generator does not make — a linked guardian account per pupil, topics, homework and a few absences — and
the credentials the load generator rotates: OAuth access tokens minted through django-oauth-toolkit's
models, sessions made through the configured session engine, and teachers' ``teacher.write`` tokens for
the class mark entry.

Run inside Django (``python -m bench.dataset --out manifest.json``, settings from the environment) or call
``build`` from a test. Deterministic for a given seed, apart from the secrets.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import secrets
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARKS_PER_ENTRY = 30
TOKEN_LIFETIME = timedelta(hours=6)


@dataclass(frozen=True)
class Scale:
    schools: int = 5
    classes: int = 10
    pupils: int = 25
    weeks: int = 9
    families: int = 200  # how many families' credentials the load generator rotates
    mark_lessons: int = 600  # lessons (of the first school) kept free for the class mark entry
    seed: int = 1


@dataclass
class Family:
    pupil: str  # the pupil's public id
    token: str  # a guardian's bearer token with diary.read
    session: str  # the same guardian's session key


@dataclass
class MarkEntry:
    lesson_id: int
    token: str  # the lesson's teacher, teacher.write
    pupil_ids: list[int]


@dataclass
class Manifest:
    scale: dict[str, int]
    counts: dict[str, int]
    week_start: str
    week_end: str
    session_cookie: str
    families: list[Family] = field(default_factory=list)
    mark_entries: list[MarkEntry] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def say(message: str) -> None:
    print(f"  · {message}", flush=True)


def mint_tokens(user_ids: list[int], application: Any, scope: str) -> dict[int, str]:
    """Raw bearer tokens for ``user_ids``, stored as the toolkit stores them (only the checksum at rest)."""
    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    raw = {user_id: secrets.token_urlsafe(30) for user_id in user_ids}
    expires = timezone.now() + TOKEN_LIFETIME
    AccessToken.objects.bulk_create(
        [
            AccessToken(
                user_id=user_id,
                application=application,
                token="",
                token_checksum=hashlib.sha256(token.encode()).hexdigest(),
                scope=scope,
                expires=expires,
            )
            for user_id, token in raw.items()
        ],
        batch_size=2000,
    )
    return raw


def _sessions(users: list[Any]) -> dict[int, str]:
    """A signed-in session per user, through whatever engine the settings name (database, cache, Redis)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from portal.services import SIGNED_IN_AT

    store = import_module(settings.SESSION_ENGINE).SessionStore
    now = timezone.now().timestamp()
    keys: dict[int, str] = {}
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[SIGNED_IN_AT] = now
        session.create()
        keys[user.pk] = session.session_key
    return keys


def _families(pupils: list[Any], rng: random.Random) -> list[Any]:
    """One guardian account per pupil, linked through a registry guardian record (the mother)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from portal.models import User
    from registry.models import Guardian, fio_key

    now = timezone.now()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                email=f"parent-{pupil.pk}@families.bench.test",
                password=unusable,
                surname=pupil.surname.removesuffix("а") + "а",
                given_name=rng.choice(["Анна", "Мария", "Ольга", "Елена", "Ирина"]),
                phone=f"+79{pupil.pk:09d}",
                email_confirmed_at=now,
                phone_confirmed_at=now,
            )
            for pupil in pupils
        ],
        batch_size=2000,
    )
    Guardian.objects.bulk_create(
        [
            Guardian(
                pupil=pupil,
                surname=user.surname,
                given_name=user.given_name,
                fio_key=fio_key(user.surname, user.given_name, ""),
                relation=Guardian.Relation.MOTHER,
                account=user,
            )
            for pupil, user in zip(pupils, users, strict=True)
        ],
        batch_size=2000,
    )
    return users


def _homework_and_attendance(today: date, rng: random.Random) -> dict[str, int]:
    """Topics on every lesson up to today, homework on about half of them, absences on 3 % of pupil-lessons."""
    from django.utils import timezone

    from diary.models import Attendance, Homework, Lesson
    from registry.models import Pupil

    now = timezone.now()
    past = list(
        Lesson.objects.filter(date__lte=today, school_class__school__code__startswith="bench-")
        .order_by("pk")
        .values_list("pk", "school_class_id", "teacher_id", "subject__name")
    )
    by_class: dict[int, list[int]] = {}
    for pupil_id, class_id in Pupil.objects.values_list("pk", "school_class_id").order_by("pk"):
        by_class.setdefault(class_id, []).append(pupil_id)
    topics = [Lesson(pk=pk, topic=f"{subject}: тема {n % 40 + 1}") for n, (pk, _c, _t, subject) in enumerate(past)]
    Lesson.objects.bulk_update(topics, ["topic"], batch_size=2000)
    homework = [
        Homework(lesson_id=pk, text=f"Упражнения {rng.randint(1, 300)}–{rng.randint(301, 600)}", created_by_id=teacher)
        for pk, _class, teacher, _subject in past
        if rng.random() < 0.5
    ]
    Homework.objects.bulk_create(homework, batch_size=2000)
    statuses = [status for status, _label in Attendance.Status.choices]
    absences = []
    for pk, class_id, teacher, _subject in past:
        for pupil_id in by_class.get(class_id, []):
            if rng.random() < 0.03:
                status = rng.choice(statuses)
                absences.append(
                    Attendance(
                        pupil_id=pupil_id,
                        lesson_id=pk,
                        status=status,
                        late_minutes=rng.randint(3, 20) if status == Attendance.Status.LATE else None,
                        recorded_by_id=teacher,
                        recorded_at=now,
                    )
                )
    Attendance.objects.bulk_create(absences, batch_size=2000)
    return {"lessons_with_topics": len(topics), "homework": len(homework), "absences": len(absences)}


def _mark_entries(scale: Scale, application: Any, today: date) -> list[MarkEntry]:
    """Past lessons of the first school emptied of marks, each with its teacher's ``teacher.write`` token and
    the 30 (pupil, kind) cells a class entry writes (more kinds when the class has fewer than 30 pupils)."""
    from diary.models import Lesson, Mark
    from registry.models import Pupil

    lessons = list(
        Lesson.objects.filter(date__lte=today, school_class__school__code="bench-0", status=Lesson.Status.SCHEDULED)
        .order_by("date", "pk")  # the oldest: the week the families read keeps its marks
        .values_list("pk", "teacher_id", "school_class_id")[: scale.mark_lessons]
    )
    Mark.objects.filter(lesson_id__in=[pk for pk, _t, _c in lessons]).delete()
    tokens = mint_tokens(sorted({teacher for _pk, teacher, _c in lessons}), application, "openid teacher.write")
    pupils: dict[int, list[int]] = {}
    for pupil_id, class_id in Pupil.objects.filter(school__code="bench-0").values_list("pk", "school_class_id"):
        pupils.setdefault(class_id, []).append(pupil_id)
    return [
        MarkEntry(lesson_id=pk, token=tokens[teacher], pupil_ids=sorted(pupils[class_id]))
        for pk, teacher, class_id in lessons
        if pupils.get(class_id)
    ]


def mark_entry_body(entry: MarkEntry) -> dict[str, Any]:
    """The body of the class entry ``PUT /api/v1/lessons/{id}/marks``: 30 new marks, a mark of each kind per
    pupil until there are 30 (a class of 25 gets its classwork and five other marks)."""
    kinds = ["classwork", "homework", "test", "control", "exam"]
    cells = [(pupil, kind) for kind in kinds for pupil in entry.pupil_ids][:MARKS_PER_ENTRY]
    return {"scale": "five", "marks": [{"pupil_id": pupil, "value": "5", "kind": kind} for pupil, kind in cells]}


def build(scale: Scale, *, verbosity: int = 1) -> Manifest:
    """Generate the whole dataset into the configured (empty, migrated) database and return the credentials."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from oauth2_provider.models import Application

    from core.periods import current_week
    from diary.models import Homework, Lesson, Mark
    from portal.models import User
    from registry.models import Pupil

    started = time.monotonic()
    rng = random.Random(scale.seed)  # noqa: S311  (benchmark data, not secrets)
    say(
        f"generate_diary_data: {scale.schools} schools × {scale.classes} classes × {scale.pupils} pupils, "
        f"{scale.weeks} weeks"
    )
    call_command(
        "generate_diary_data",
        schools=scale.schools,
        classes_per_school=scale.classes,
        pupils_per_class=scale.pupils,
        weeks=scale.weeks,
        seed=scale.seed,
        verbosity=verbosity,
    )
    today = timezone.localdate()
    with transaction.atomic():
        pupils = list(Pupil.objects.filter(school__code__startswith="bench-").order_by("pk"))
        say(f"families: {len(pupils)} guardian accounts linked to their pupils")
        users = _families(pupils, rng)
        say("topics, homework, absences")
        extra = _homework_and_attendance(today, rng)
        application = Application.objects.create(
            name="Дневник — нагрузочный тест",
            client_type=Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris="https://bench.example/cb",
            algorithm=Application.RS256_ALGORITHM,
        )
        # The families the load rotates are spread over every school and class.
        step = max(1, len(pupils) // max(1, scale.families))
        chosen = list(zip(pupils, users, strict=True))[::step][: scale.families]
        say(f"credentials: {len(chosen)} families (bearer token and session each)")
        tokens = mint_tokens([user.pk for _p, user in chosen], application, "openid profile diary.read")
        sessions = _sessions([user for _p, user in chosen])
        say(f"class mark entry: up to {scale.mark_lessons} lessons with their teachers' tokens")
        entries = _mark_entries(scale, application, today)
    week_start, week_end = current_week(today)
    counts = {
        "pupils": len(pupils),
        "accounts": User.objects.count(),
        "lessons": Lesson.objects.count(),
        "marks": Mark.objects.count(),
        "homework": Homework.objects.count(),
        **extra,
    }
    say(f"dataset ready in {time.monotonic() - started:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    return Manifest(
        scale=asdict(scale),
        counts=counts,
        week_start=week_start.isoformat(),
        week_end=week_end.isoformat(),
        session_cookie=settings.SESSION_COOKIE_NAME,
        families=[
            Family(pupil=str(pupil.public_id), token=tokens[user.pk], session=sessions[user.pk])
            for pupil, user in chosen
        ],
        mark_entries=entries,
    )


def make_school(code: str) -> None:
    """An empty school for the registry import."""
    from registry.models import School

    School.objects.get_or_create(code=code, defaults={"name": f"Школа {code} (импорт)"})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the manifest (JSON)")
    for name, default in asdict(Scale()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    parser.add_argument("--import-school", metavar="CODE", help="also make an empty school for the import")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    manifest = build(Scale(**{name: getattr(args, name) for name in asdict(Scale())}))
    if args.import_school:
        make_school(args.import_school)
    args.out.write_text(manifest.to_json(), encoding="utf-8")


if __name__ == "__main__":
    main()
