"""Attached files: the limits every attachment of the service obeys, checked before anything is stored.

Homework files (``diary.homework``) and message files (``messaging.services``) share these rules: at most
``MAX_ATTACHMENTS`` files on one thing, ``MAX_ATTACHMENT_SIZE`` each, and only the types of
``ALLOWED_TYPES``. The type is checked by the file's extension, its declared content type and its first
bytes, so a renamed executable does not pass as a PDF. Each app raises its own codes (``UploadCodes``), so
a client reads ``attachment_type`` the same from either place.

Files are kept through Django's storage under ``MEDIA_ROOT`` and never served as public media: the app's
view checks access and answers with ``serve`` (a download, with the stored name and type).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from core.errors import DomainError

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024

_ZIP = (b"PK\x03\x04",)
# extension → (content types a browser may declare for it, the first bytes the file must start with)
ALLOWED_TYPES: dict[str, tuple[frozenset[str], tuple[bytes, ...]]] = {
    "pdf": (frozenset({"application/pdf"}), (b"%PDF-",)),
    "jpg": (frozenset({"image/jpeg", "image/pjpeg"}), (b"\xff\xd8\xff",)),
    "jpeg": (frozenset({"image/jpeg", "image/pjpeg"}), (b"\xff\xd8\xff",)),
    "png": (frozenset({"image/png"}), (b"\x89PNG\r\n\x1a\n",)),
    "docx": (frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}), _ZIP),
    "xlsx": (frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}), _ZIP),
    "pptx": (frozenset({"application/vnd.openxmlformats-officedocument.presentationml.presentation"}), _ZIP),
    "odt": (frozenset({"application/vnd.oasis.opendocument.text"}), _ZIP),
    "txt": (frozenset({"text/plain"}), ()),
}


@dataclass(frozen=True)
class UploadCodes:
    """The codes (and the "too many" sentence, which names the thing) one app refuses a file with."""

    too_many: StrEnum
    empty: StrEnum
    too_large: StrEnum
    wrong_type: StrEnum
    too_many_message: StrOrPromise


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lstrip(".").lower()


def content_type(upload: UploadedFile) -> str:
    return (upload.content_type or "").split(";", 1)[0].strip().lower()


def stored_name(upload: UploadedFile) -> str:
    """The name a file is kept and offered under: its own, without any path, at most 255 characters."""
    return os.path.basename(upload.name or "file")[-255:]


def _starts_with(upload: UploadedFile, signatures: tuple[bytes, ...]) -> bool:
    if not signatures:
        return True
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return any(head.startswith(signature) for signature in signatures)


def check_files(files: Sequence[UploadedFile], *, already: int, codes: UploadCodes, field: str = "files") -> None:
    """Refuse the first file that breaks a limit (with ``already`` files on the thing), naming ``field``."""
    if already + len(files) > MAX_ATTACHMENTS:
        raise DomainError(codes.too_many, codes.too_many_message, field=field)
    for upload in files:
        size = upload.size or 0
        if size == 0:
            raise DomainError(codes.empty, _("The file is empty."), field=field)
        if size > MAX_ATTACHMENT_SIZE:
            raise DomainError(codes.too_large, _("A file can be at most 10 MB."), field=field)
        allowed = ALLOWED_TYPES.get(extension(upload.name or ""))
        if allowed is None or content_type(upload) not in allowed[0] or not _starts_with(upload, allowed[1]):
            raise DomainError(
                codes.wrong_type,
                _("Only PDF, JPEG, PNG, DOCX, XLSX, PPTX, TXT and ODT files can be attached."),
                field=field,
            )


def delete_files(stored: list[tuple[Storage, str | None]]) -> None:
    """Delete stored files (after the commit that removed their rows, so a rollback keeps both)."""
    for storage, name in stored:
        if name:
            storage.delete(name)


def serve(file: FieldFile, *, name: str, content_type: str) -> FileResponse:
    """A stored file as a download under its own name; the caller has checked who may have it."""
    return FileResponse(file.open("rb"), as_attachment=True, filename=name, content_type=content_type)
