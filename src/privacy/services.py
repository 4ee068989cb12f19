"""Writes of «Мои данные»: ask for an export, build it (the task worker), hand it out once, retry a failed one,
sweep the archives nobody took; accept the processing terms, for oneself or as a guardian for a child."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import timedelta
from uuid import UUID

from django.core import serializers
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import access
from audit.services import record_event
from core.errors import Conflict, NotFound
from portal import services as portal_services
from portal.models import TermsAcceptance, User
from privacy.errors import PrivacyCode
from privacy.export import EXPORTED, rows
from privacy.models import DataExport
from privacy.tasks import build_export_task
from registry.models import Pupil

EXPORT_LIFETIME = timedelta(hours=24)
# A build that has not finished in this long died with its worker (a restart, the memory killer): the sweep marks
# it failed, so the page offers a retry instead of a progress bar that never moves.
EXPORT_STUCK_AFTER = timedelta(hours=1)

logger = logging.getLogger(__name__)


@transaction.atomic
def request_export(*, account: User, student_id: UUID | str | None = None) -> DataExport:
    """An export of the account's own data, or (``student_id``) of a child's, for a linked guardian only
    (anyone else: ``NotFound``). Built by the task worker after the commit."""
    pupil = access.exportable_pupil(account, student_id) if student_id else None
    export = DataExport.objects.create(account=account, pupil=pupil)
    record_event(actor=account, action="privacy.export_requested", target=export, pupil=pupil.pk if pupil else None)
    transaction.on_commit(lambda: build_export_task.enqueue(export_id=str(export.pk)))
    return export


def _summary(export: DataExport, counts: dict[str, int]) -> str:
    with translation.override("ru"):
        whom = str(export.pupil) if export.pupil else str(export.account)
        lines = [
            _("All data about %(whom)s kept by Dnevnik") % {"whom": whom},
            _("Prepared on %(date)s at the request of %(who)s.")
            % {"date": timezone.localtime().strftime("%d.%m.%Y %H:%M"), "who": export.account},
            "",
            _("Each file is one kind of data, in JSON; the number of records:"),
        ]
        lines += [f"  {label}.json — {count}" for label, count in counts.items()]
        lines += ["", _("The link to this archive works once and for 24 hours.")]
    return "\n".join(lines) + "\n"


def build_export(*, export_id: UUID | str) -> DataExport:
    """Write the archive: one JSON file per model, and summary.txt in Russian; progress is kept on the row.

    Any error leaves the row ``failed`` (the page and the API offer a retry) and is raised again, so the task
    worker records it too."""
    export = DataExport.objects.select_related("account", "pupil").get(pk=export_id)
    if export.state != DataExport.State.QUEUED:
        return export  # a task run twice builds once
    DataExport.objects.filter(pk=export.pk).update(state=DataExport.State.RUNNING)
    try:
        return _build(export)
    except Exception:
        logger.exception("The data export %s failed", export.pk)
        if export.file:
            export.file.delete(save=False)
        DataExport.objects.filter(pk=export.pk).update(state=DataExport.State.FAILED, file="")
        raise


def _build(export: DataExport) -> DataExport:
    child = export.pupil_id is not None
    own_pupil = None if child else Pupil.objects.filter(account=export.account_id).values_list("pk", flat=True).first()
    pupil_id = export.pupil_id if child else own_pupil
    buffer = io.BytesIO()
    counts: dict[str, int] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (label, source) in enumerate(EXPORTED.items(), start=1):
            found = rows(label, source, account_id=export.account_id, pupil_id=pupil_id, child=child)
            data = json.loads(serializers.serialize("json", found))
            for row in data:
                for field in source.omit:
                    row["fields"].pop(field, None)
            if data:
                counts[label] = len(data)
                archive.writestr(f"{label}.json", json.dumps(data, ensure_ascii=False, indent=1))
            DataExport.objects.filter(pk=export.pk).update(progress=number * 99 // len(EXPORTED))
        archive.writestr("summary.txt", _summary(export, counts))
    now = timezone.now()
    export.file.save(f"{export.pk}.zip", ContentFile(buffer.getvalue()), save=False)
    export.state, export.progress, export.ready_at, export.expires_at = (
        DataExport.State.READY,
        100,
        now,
        now + EXPORT_LIFETIME,
    )
    export.save(update_fields=["file", "state", "progress", "ready_at", "expires_at"])
    return export


@transaction.atomic
def retry_export(*, account: User, export_id: UUID | str) -> DataExport:
    """Build a failed export again (the requester's own; anyone else's is ``NotFound``); 409 unless failed."""
    export = _own(account, export_id, lock=True)
    if export.state != DataExport.State.FAILED:
        raise Conflict(PrivacyCode.EXPORT_NOT_FAILED, _("Only an archive that failed to build can be built again."))
    export.state, export.progress = DataExport.State.QUEUED, 0
    export.save(update_fields=["state", "progress"])
    record_event(actor=account, action="privacy.export_retried", target=export)
    transaction.on_commit(lambda: build_export_task.enqueue(export_id=str(export.pk)))
    return export


def own_export(*, account: User, export_id: UUID | str) -> DataExport:
    """The requester's own export (its state and progress); anyone else's, or none, is ``NotFound``. One query."""
    return _own(account, export_id, lock=False)


def _own(account: User, export_id: UUID | str, *, lock: bool) -> DataExport:
    exports = DataExport.objects.select_for_update() if lock else DataExport.objects.select_related("pupil")
    try:
        return exports.get(pk=UUID(str(export_id)), account=account)
    except (ValueError, DataExport.DoesNotExist):
        raise NotFound() from None


def sweep_exports() -> dict[str, int]:
    """The periodic sweep: delete the archives whose link expired unused (``expired``), and mark failed the
    builds that died with their worker. Idempotent: a second run finds nothing."""
    now = timezone.now()
    expired = 0
    for export in DataExport.objects.filter(state=DataExport.State.READY, expires_at__lte=now):
        with transaction.atomic():
            if export.file:
                export.file.delete(save=False)
            updated = DataExport.objects.filter(pk=export.pk, state=DataExport.State.READY).update(
                state=DataExport.State.EXPIRED, file=""
            )
            expired += updated
    stuck = DataExport.objects.filter(
        state__in=[DataExport.State.QUEUED, DataExport.State.RUNNING], created_at__lte=now - EXPORT_STUCK_AFTER
    ).update(state=DataExport.State.FAILED)
    return {"expired": expired, "failed": stuck}


def consenting_guardian(*, account: User, student_id: UUID | str) -> Pupil:
    """The child ``account`` may give the consent for (a linked guardian's); anyone else: ``NotFound``."""
    return access.exportable_pupil(account, student_id)


@transaction.atomic
def accept_terms(
    *, account: User, via: str, version: str | None = None, student_id: UUID | str | None = None
) -> TermsAcceptance:
    """The current processing terms accepted by ``account``: for itself, or (``student_id``) as a linked guardian
    for the child's data (anyone else: ``NotFound``). ``version``, when given, is the one the person was shown:
    an older one is refused (409), so nobody accepts a text they did not see. Accepting again what is on
    record already records nothing new and answers the acceptance on record."""
    pupil = access.exportable_pupil(account, student_id) if student_id else None
    current = portal_services.current_terms()
    if current is not None and version is not None and version != current.version:
        raise Conflict(
            PrivacyCode.TERMS_VERSION_OUTDATED,
            _("A newer version of the terms is published: read it and accept it."),
            field="version",
            data={"current_version": current.version},
        )
    kept = TermsAcceptance.objects.filter(account=account, version=current, for_child=pupil is not None, pupil=pupil)
    existing = kept.order_by("-at", "-pk").first() if current is not None else None
    if existing is not None:
        return existing
    return portal_services.accept_terms(
        account=account, via=via, version=current, for_child=pupil is not None, pupil_id=pupil.pk if pupil else None
    )


@transaction.atomic
def take_download(*, account: User, export_id: UUID | str) -> bytes:
    """The archive's bytes, once: the requester only, while ready and not expired; then the file is deleted."""
    export = _own(account, export_id, lock=True)
    if export.state != DataExport.State.READY or export.expires_at is None or export.expires_at <= timezone.now():
        raise NotFound()
    with export.file.open("rb") as stream:
        content = stream.read()
    export.file.delete(save=False)
    export.state, export.downloaded_at = DataExport.State.DOWNLOADED, timezone.now()
    export.save(update_fields=["file", "state", "downloaded_at"])
    record_event(actor=account, action="privacy.export_downloaded", target=export)
    return content
