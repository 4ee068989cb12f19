"""People's names in running Russian text: declined to the case the sentence needs, by the person's gender.

Declension is ``pytrovich`` (the Python port of petrovich, made for Russian surnames, given names and
patronymics). The accounts keep no gender field, so it is read from the patronymic's ending (-вич is a man,
-вна / -чна / -кызы a woman, -оглы a man), then from the given name by petrovich's detector.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from django.utils.translation import get_language, pgettext
from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker


class Grammatical(StrEnum):
    """The gender a sentence agrees with («принял» / «приняла»)."""

    MALE = "male"
    FEMALE = "female"


CASES = {
    "genitive": Case.GENITIVE,
    "dative": Case.DATIVE,
    "accusative": Case.ACCUSATIVE,
    "instrumental": Case.INSTRUMENTAL,
    "prepositional": Case.PREPOSITIONAL,
}


@lru_cache(maxsize=1)
def _maker() -> PetrovichDeclinationMaker:
    return PetrovichDeclinationMaker()


@lru_cache(maxsize=1)
def _detector() -> PetrovichGenderDetector:
    return PetrovichGenderDetector()


def gender_of(*, given_name: str = "", patronymic: str = "") -> Gender:
    ending = patronymic.strip().lower()
    if ending.endswith(("вич", "оглы", "улы")):
        return Gender.MALE
    if ending.endswith(("вна", "чна", "кызы", "гызы")):
        return Gender.FEMALE
    if not given_name.strip():
        return Gender.ANDROGYNOUS
    return _detector().detect(firstname=given_name.strip())


def grammatical_gender(*, given_name: str = "", patronymic: str = "") -> Grammatical:
    """Male or female for agreement; a name that says neither reads as male, the grammar's default."""
    gender = gender_of(given_name=given_name, patronymic=patronymic)
    return Grammatical.FEMALE if gender == Gender.FEMALE else Grammatical.MALE


def _decline_part(part: NamePart, gender: Gender, case: Case, word: str) -> str:
    # Double surnames and names («Петров-Водкин») decline in each half.
    return "-".join(_maker().make(part, gender, case, piece) if piece else piece for piece in word.split("-"))


def decline(*, surname: str, given_name: str, patronymic: str = "", case: str) -> str:
    """«Фамилия Имя Отчество» in ``case`` (``genitive``, ``dative``…); a name in Latin letters stays as it is."""
    parts = [surname, given_name, patronymic]
    full = " ".join(part for part in parts if part)
    if case not in CASES or not any("а" <= ch.lower() <= "я" or ch in "ёЁ" for ch in full):
        return full
    gender = gender_of(given_name=given_name, patronymic=patronymic)
    declined = [
        _decline_part(NamePart.LASTNAME, gender, CASES[case], surname) if surname else "",
        _decline_part(NamePart.FIRSTNAME, gender, CASES[case], given_name) if given_name else "",
        _decline_part(NamePart.MIDDLENAME, gender, CASES[case], patronymic) if patronymic else "",
    ]
    return " ".join(part for part in declined if part)


def decline_full_name(full_name: str, case: str) -> str:
    """The same for a name already joined as «Фамилия Имя [Отчество]» (how pages and rows carry it)."""
    words = full_name.split()
    if len(words) < 2:
        return full_name
    surname, given_name, patronymic = words[0], words[1], " ".join(words[2:])
    return decline(surname=surname, given_name=given_name, patronymic=patronymic, case=case)


def gender_of_full_name(full_name: str) -> Grammatical:
    words = full_name.split()
    return grammatical_gender(given_name=words[1] if len(words) > 1 else "", patronymic=" ".join(words[2:]))


# «об» before a vowel sound (об Андрее, об Ирине, об Олеге), «о» otherwise (о Борисе, о Егоре, о Юлии).
_OB_BEFORE = frozenset("аиоуыэАИОУЫЭ")


def about(full_name: str) -> str:
    """«о Борисове Борисе» / «об Андреевой Анне»: «about» and the name in the prepositional case."""
    russian = (get_language() or "").startswith("ru")  # in English the name stays as the registry spells it
    declined = decline_full_name(full_name, "prepositional") if russian else full_name
    if declined[:1] in _OB_BEFORE:
        return pgettext("before a vowel", "about %(name)s") % {"name": declined}
    return pgettext("before a consonant", "about %(name)s") % {"name": declined}
