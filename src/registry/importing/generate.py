"""A synthetic registry file in the import's documented format, for the benchmark and large tests.

Every pupil is unique by name key and birth date (``n`` is mapped one-to-one onto a name and a date),
every SNILS is unique and has a right checksum, every phone is a valid Russian mobile, so a generated
file always imports cleanly. About 1.5 rows a pupil: a tenth without a guardian, four tenths with one,
half with two — as the issue's 100,000 pupils / 150,000 rows.

``edited`` makes the same file a term later: that fraction of its rows changed (a guardian's new phone, or a
pupil without a guardian moved to another class); everything else is byte for byte the same.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import IO

from portal.identity import snils_checksum
from registry.importing.report import COLUMNS


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SURNAMES = _words(
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев "
    "Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев "
    "Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Фролов Александров Дмитриев Королёв Гусев "
    "Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов "
    "Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов "
    "Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев "
    "Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов "
    "Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов"
)
_MALE = _words(
    "Артём Александр Михаил Максим Иван Дмитрий Даниил Кирилл Андрей Егор Никита Илья Алексей Матвей Тимофей "
    "Роман Владимир Ярослав Фёдор Георгий Константин Лев Николай Степан Марк"
)
_FEMALE = _words(
    "Анна Мария Елена Дарья Алиса Полина Виктория Екатерина Софья Анастасия Варвара Ксения Вероника Арина "
    "Василиса Милана Ульяна Ева Таисия Валерия Алёна Ольга Ирина Наталья Татьяна"
)
_FATHERS = _words(
    "Александр Сергей Андрей Алексей Дмитрий Владимир Михаил Игорь Евгений Николай Олег Павел Юрий Виктор "
    "Роман Максим Денис Антон Илья Кирилл Артём Константин Вадим Георгий Борис"
)
_BORN_FROM = date(2007, 9, 1)
_DAYS = 11 * 365
_NAME_SPACE = len(_SURNAMES) * 2 * len(_MALE) * len(_FATHERS) * _DAYS
_SPREAD = 2_654_435_761  # a prime, so n → n·_SPREAD mod _NAME_SPACE is one-to-one
_LETTERS = "АБВГ"
_NONE = ("",) * 7


def _spelled_snils(number: int) -> str:
    digits = f"{number:09d}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]} {snils_checksum(digits):02d}"


def _female(surname: str) -> str:
    return surname + "а"


def _patronymic(father: str, *, female: bool) -> str:
    irregular = {
        "Юрий": ("Юрьевич", "Юрьевна"),
        "Илья": ("Ильич", "Ильинична"),
        "Никита": ("Никитич", "Никитична"),
        "Павел": ("Павлович", "Павловна"),
    }
    if father in irregular:
        return irregular[father][female]
    if father.endswith(("й", "ь")):
        return father[:-1] + ("евна" if female else "евич")
    return father + ("овна" if female else "ович")


def pupil_rows(n: int, rng: random.Random) -> list[tuple[str, ...]]:
    """The rows of pupil number ``n`` (13 cells each, in ``COLUMNS`` order)."""
    code, days = divmod(n * _SPREAD % _NAME_SPACE, _DAYS)
    code, father_index = divmod(code, len(_FATHERS))
    code, name_index = divmod(code, len(_MALE))
    surname_index, gender = divmod(code, 2)
    surname, father = _SURNAMES[surname_index], _FATHERS[father_index]
    female = gender == 1
    birth = _BORN_FROM + timedelta(days=days)
    pupil = (
        f"{n % 11 + 1}{_LETTERS[n // 11 % 4]}",
        _female(surname) if female else surname,
        (_FEMALE if female else _MALE)[name_index],
        _patronymic(father, female=female),
        birth.isoformat() if n % 5 == 0 else birth.strftime("%d.%m.%Y"),
        _spelled_snils(100_000_000 + n) if n % 4 else "",
    )
    mother = (
        _female(surname),
        _FEMALE[(name_index + 7) % len(_FEMALE)],
        _patronymic(_FATHERS[(father_index + 3) % len(_FATHERS)], female=True),
        "мать",
        f"+7 916 {n % 10_000_000:07d}",
        f"mother{n}@example.ru" if n % 2 else "",
        _spelled_snils(200_000_000 + 2 * n) if n % 3 == 0 else "",
    )
    dad = (
        surname,
        father,
        _patronymic(_FATHERS[(father_index + 11) % len(_FATHERS)], female=False),
        "отец",
        f"8 (926) {n % 10_000_000:07d}",
        "",
        _spelled_snils(200_000_000 + 2 * n + 1) if n % 6 == 0 else "",
    )
    pick = rng.random()
    guardians = [_NONE] if pick < 0.1 else [mother] if pick < 0.5 else [mother, dad]
    return [pupil + guardian for guardian in guardians]


def generated_rows(pupils: int, *, start: int = 0, seed: int = 1, edited: float = 0.0) -> Iterator[tuple[str, ...]]:
    """The data rows of ``pupils`` pupils numbered from ``start``; ``edited`` of them changed (see the module)."""
    rng, edits = random.Random(seed), random.Random(seed + 1)  # noqa: S311  (benchmark data, not secrets)
    for n in range(start, start + pupils):
        for cells in pupil_rows(n, rng):
            if edited and edits.random() < edited:
                if cells[6]:
                    cells = (*cells[:10], f"+7 999 {edits.randrange(10**7):07d}", *cells[11:])
                else:
                    cells = (f"{(n + 1) % 11 + 1}Я", *cells[1:])
            yield cells


def write_registry(out: IO[str], pupils: int, *, start: int = 0, seed: int = 1, edited: float = 0.0) -> Iterator[int]:
    """Write the file (header and rows, ``;``-separated like Excel's «CSV UTF-8»); yields rows written so far."""
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = 0
    for cells in generated_rows(pupils, start=start, seed=seed, edited=edited):
        writer.writerow(cells)
        rows += 1
        if rows % 10_000 == 0:
            yield rows
    yield rows
