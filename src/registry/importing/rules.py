"""The rules that look across rows and at the registry, which both write paths implement.

``orm`` implements them in Python (SQLite, and the reference on PostgreSQL), ``postgres`` in SQL
over a staging table; a test runs both on the same files and compares. Only rows whose pupil cells
are all good take part; a row's guardian takes part when its guardian cells are good too.

1. **The same pupil twice** (same name key and birth date): the first such row holds the pupil's
   data; a later row with another class or SNILS is a ``pupil_conflict`` on that cell.
2. **The same guardian of a pupil twice** (same name key): the first row holds the data; a later
   row with another relation, phone, email or SNILS is a ``guardian_conflict`` on that cell.
3. **One SNILS, two people**: the first row naming a SNILS (its pupil before its guardian) makes
   that person its owner; any other person with it, pupil or guardian, is a ``snils_duplicate``.
4. **Matching**: a pupil of the file is the registry pupil *of this school* with the same SNILS;
   failing that, the lowest-numbered pupil of this school with the same name key and birth date that
   no other pupil of the file took by SNILS; failing that, a new pupil. A guardian is the matched
   pupil's guardian with the same name key, or a new one.
5. **A SNILS the registry gives someone else** (``snils_taken``): a pupil's SNILS held by a pupil of
   another school, or a guardian's SNILS held by a registry pupil the file does not match.

The import never deletes: pupils and guardians the file does not mention stay as they are. Empty
optional cells are the file's truth too: they clear a phone, an email or a SNILS.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PUPIL_CONFLICT = _("An earlier row has the same pupil (name and birth date) with a different value here.")
GUARDIAN_CONFLICT = _("An earlier row has the same guardian of this pupil with a different value here.")
SNILS_DUPLICATE = _("An earlier row gives this SNILS to a different person.")
SNILS_TAKEN = _("This SNILS already belongs to a different pupil in the registry.")

# Guardian cells that must agree between rows naming the same guardian of the same pupil.
GUARDIAN_CONFLICT_FIELDS = (
    ("guardian_relation", "relation"),
    ("guardian_phone", "phone"),
    ("guardian_email", "email"),
    ("guardian_snils", "snils"),
)

PUPIL_FIELDS = ("surname", "given_name", "patronymic", "fio_key", "birth_date", "snils", "school_class_id")
GUARDIAN_FIELDS = ("surname", "given_name", "patronymic", "relation", "phone", "email", "snils")

# SQLite allows a limited number of query parameters; batches stay well under it.
BATCH = 500
