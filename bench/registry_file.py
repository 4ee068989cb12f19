"""A generated registry file of ``count`` pupils for ``import_registry`` (docs/registry-import.md): most with
one or two guardians (about 1.5 rows a pupil), a quarter without SNILS, valid throughout. Streams to disk."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

COLUMNS = [
    "class",
    "pupil_surname",
    "pupil_name",
    "pupil_patronymic",
    "pupil_birth_date",
    "pupil_snils",
    "guardian_surname",
    "guardian_name",
    "guardian_patronymic",
    "guardian_relation",
    "guardian_phone",
    "guardian_email",
    "guardian_snils",
]
LETTERS = "АБВГД"


def snils(number: int) -> str:
    """A valid SNILS for the nine digits of ``number`` (the pension fund's checksum)."""
    digits = f"{number:09d}"
    total = sum(int(digit) * (9 - i) for i, digit in enumerate(digits))
    check = total % 101
    return f"{digits}{0 if check == 100 else check:02d}"


def write(path: Path, count: int, *, seed: int = 7) -> int:
    """Write the file; return its number of data rows."""
    rng = random.Random(seed)  # noqa: S311  (benchmark data)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for n in range(count):
            surname = "Иванов" + "".join(rng.choice("абвгдежзиклмнопрстуф") for _ in range(6))
            birth = date(2008, 9, 1) + timedelta(days=rng.randrange(365 * 11))
            pupil = [
                f"{n % 11 + 1}{LETTERS[n // 11 % len(LETTERS)]}",
                surname,
                rng.choice(["Иван", "Пётр", "Олег", "Илья"]),
                rng.choice(["Иванович", "Петрович", ""]),
                birth.strftime("%d.%m.%Y"),
                snils(300_000_000 + n) if n % 4 else "",
            ]
            guardians = rng.choice([1, 1, 2, 2, 0, 2])
            if not guardians:
                writer.writerow([*pupil, "", "", "", "", "", "", ""])
                rows += 1
            for g in range(guardians):
                writer.writerow(
                    [
                        *pupil,
                        surname + ("а" if g == 0 else ""),
                        "Мария" if g == 0 else "Иван",
                        "",
                        ("мать", "отец")[g],
                        f"+7 916 {n:07d}",
                        f"parent{n}-{g}@example.ru" if n % 2 else "",
                        snils(400_000_000 + 2 * n + g) if n % 3 == 0 else "",
                    ]
                )
                rows += 1
    return rows
