"""Mark arithmetic, checked by hand."""

from decimal import Decimal

import pytest

from diary.grading import marks_needed, running_averages, to_five_point, trend, weighted_average


def test_to_five_point() -> None:
    assert to_five_point("4", "five") == Decimal(4)
    assert to_five_point("9", "ten") == Decimal("4.5")
    assert to_five_point("85", "hundred") == Decimal("4.25")
    assert to_five_point("pass", "pass_fail") is None
    assert to_five_point("зачёт", "five") is None


def test_weighted_average_by_hand() -> None:
    # 5 (w1), 3 (w2), 4 (w1) → (5 + 6 + 4) / 4 = 3.75
    assert weighted_average([("5", "five", 1), ("3", "five", 2), ("4", "five", 1)]) == Decimal("3.75")
    # 5, 4, 4 → 13 / 3 = 4.333… → 4.33; 5, 5, 4 → 4.666… → 4.67
    assert weighted_average([("5", "five", 1), ("4", "five", 1), ("4", "five", 1)]) == Decimal("4.33")
    assert weighted_average([("5", "five", 1), ("5", "five", 1), ("4", "five", 1)]) == Decimal("4.67")
    # half up: 4 and 4.25 (85 of 100) with weights 1 and 1 → 4.125 → 4.13
    assert weighted_average([("4", "five", 1), ("85", "hundred", 1)]) == Decimal("4.13")
    # pass / fail counts towards nothing; 10-point 9 is 4.5
    assert weighted_average([("pass", "pass_fail", 1), ("9", "ten", 2), ("3", "five", 1)]) == Decimal("4.00")
    assert weighted_average([]) is None
    assert weighted_average([("pass", "pass_fail", 1)]) is None


def test_marks_needed_by_hand() -> None:
    current = [(Decimal(5), 1), (Decimal(3), 2), (Decimal(4), 1)]  # 15 / 4 = 3.75
    # (15 + 5n) / (4 + n) ≥ 4.5 ⇔ 15 + 5n ≥ 18 + 4.5n ⇔ 0.5n ≥ 3 → n = 6 (check: 45 / 10 = 4.5; n = 3 gives 30 / 7)
    assert marks_needed(current=current, target=Decimal("4.5")) == 6
    # to 4.0: 15 + 5n ≥ 16 + 4n → n = 1
    assert marks_needed(current=current, target=Decimal(4)) == 1
    # with 5s of weight 2: 15 + 10n ≥ 18 + 9n → n = 3
    assert marks_needed(current=current, target=Decimal("4.5"), weight=2) == 3
    # fours to 3.9: 15 + 4n ≥ 15.6 + 3.9n → 0.1n ≥ 0.6 → n = 6
    assert marks_needed(current=current, target=Decimal("3.9"), mark=4) == 6
    assert marks_needed(current=current, target=Decimal("3.75")) == 0
    assert marks_needed(current=current, target=Decimal("3")) == 0
    assert marks_needed(current=current, target=Decimal("5")) is None  # 5s never lift 3.75 to exactly 5
    assert marks_needed(current=current, target=Decimal("4.5"), mark=4) is None
    assert marks_needed(current=[], target=Decimal("4.5")) == 1
    assert marks_needed(current=[], target=Decimal("4.5"), mark=4) is None


def test_the_issue_example() -> None:
    # 4, 4, 5 (w1) = 13 / 3 = 4.33; to reach 4.5 with 5s: 13 + 5n ≥ 13.5 + 4.5n → n = 1
    assert marks_needed(current=[(Decimal(4), 1), (Decimal(4), 1), (Decimal(5), 1)], target=Decimal("4.5")) == 1
    # 4, 4, 4, 4: 16 + 5n ≥ 18 + 4.5n → n = 4
    assert marks_needed(current=[(Decimal(4), 1)] * 4, target=Decimal("4.5")) == 4


@pytest.mark.parametrize(
    ("averages", "expected"),
    [
        ([], "flat"),
        ([Decimal(4)], "flat"),
        ([Decimal(4), Decimal("4.5")], "up"),
        ([Decimal(5), Decimal("4.5")], "down"),
        ([Decimal(4), None, Decimal(4)], "flat"),
    ],
)
def test_trend(averages: list[Decimal | None], expected: str) -> None:
    assert trend(averages) == expected


def test_running_averages() -> None:
    assert running_averages([("5", "five", 1), ("3", "five", 2), ("4", "five", 1)]) == [
        Decimal("5.00"),
        Decimal("3.67"),
        Decimal("3.75"),
    ]


def test_running_averages_are_the_average_of_each_prefix() -> None:
    """Pass / fail and zero-weight marks count for nothing, before and after the first real mark."""
    marks = [
        ("зачёт", "pass", 1),
        ("5", "five", 0),
        ("4", "five", 2),
        ("17", "ten", 1),
        ("зачёт", "pass", 3),
        ("73", "hundred", 5),
        ("2", "five", 1),
        ("3,5", "five", 10),
    ]
    assert running_averages(marks) == [weighted_average(marks[: n + 1]) for n in range(len(marks))]
    assert running_averages(marks)[:2] == [None, None]
