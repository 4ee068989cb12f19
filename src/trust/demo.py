"""Demo grants: the grandmother already reads Вера's diary (so the demo shows a trusted person's view);
Артём's diary is left for the visitor to share with her through «Добавить доверенных лиц…»."""

from __future__ import annotations

from portal.models import User
from registry.models import Pupil
from trust import services
from trust.models import Grant

MOTHER, GRANDMOTHER = "olga.smirnova@dnevnik.test", "galina.kuznetsova@dnevnik.test"


def load_trust_demo() -> None:
    mother = User.objects.filter(email=MOTHER).first()
    grandmother = User.objects.filter(email=GRANDMOTHER).first()
    vera = Pupil.objects.filter(guardians__account=mother, given_name="Вера").first()
    if mother is None or grandmother is None or vera is None:
        return
    if Grant.objects.filter(pupil=vera, invitee_surname_key="кузнецова").exists():
        return  # loaded before, or the visitor changed it: leave it as it is
    (grant,) = services.invite_trusted_person(
        inviter=mother,
        student_id=vera.public_id,
        services=["diary"],
        surname=grandmother.surname,
        phone=grandmother.phone,
    )
    services.accept_invitation(user=grandmother, grant_id=grant.pk)
    services.activate_grant(grant_id=grant.pk)
