"""Writes of «Мои данные»: ask for an export, build it (the task worker), hand it out once."""

from __future__ import annotations

import io
import json
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
from core.errors import NotFound
from portal.models import User
from privacy.export import EXPORTED, rows
from privacy.models import DataExport
from privacy.tasks import build_export_task
from registry.models import Pupil

EXPORT_LIFETIME = timedelta(hours=24)


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
    """Write the archive: one JSON file per model, and summary.txt in Russian; progress is kept on the row."""
    export = DataExport.objects.select_related("account", "pupil").get(pk=export_id)
    if export.state != DataExport.State.QUEUED:
        return export  # a task run twice builds once
    DataExport.objects.filter(pk=export.pk).update(state=DataExport.State.RUNNING)
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
def take_download(*, account: User, export_id: UUID | str) -> bytes:
    """The archive's bytes, once: the requester only, while ready and not expired; then the file is deleted."""
    try:
        export = DataExport.objects.select_for_update().get(pk=UUID(str(export_id)), account=account)
    except (ValueError, DataExport.DoesNotExist):
        raise NotFound() from None
    if export.state != DataExport.State.READY or export.expires_at is None or export.expires_at <= timezone.now():
        raise NotFound()
    with export.file.open("rb") as stream:
        content = stream.read()
    export.file.delete(save=False)
    export.state, export.downloaded_at = DataExport.State.DOWNLOADED, timezone.now()
    export.save(update_fields=["file", "state", "downloaded_at"])
    record_event(actor=account, action="privacy.export_downloaded", target=export)
    return content
