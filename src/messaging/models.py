"""Messages between a pupil's family and the pupil's teachers: threads, messages, files, read state, mutes.

Who is on a thread is never stored: the family side is whoever is the pupil's linked guardian or the pupil
(``access``, today), the school side the thread's teacher while they teach the pupil or tutor the class. So an
ended guardian link or a teacher leaving the class closes the thread to them at once. What is stored is what
happened: each message (withdrawn and edited ones are kept, with their earlier texts, for the school's
retention), how far each person has read, and who was muted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Pupil, Subject


class Thread(models.Model):
    """One conversation about one pupil, between the pupil's family and one teacher of the pupil (by subject,
    or the form tutor)."""

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.PROTECT, related_name="threads")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("teacher"), on_delete=models.PROTECT, related_name="+"
    )
    # The subject the family wrote about (None: to the form tutor, or a teacher's own thread).
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_message_at = models.DateTimeField(_("last message at"), default=timezone.now)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["pupil", "-last_message_at"]),
            models.Index(fields=["teacher", "-last_message_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Message(models.Model):
    """One message of a thread. Never deleted: withdrawing hides its text and files from the thread, editing
    keeps the earlier text as a ``MessageRevision``."""

    thread = models.ForeignKey(
        Thread, verbose_name=_("conversation"), on_delete=models.PROTECT, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class MessageRevision(models.Model):
    """The text a message had before an edit, kept for the school's retention (the registrar sees it)."""

    message = models.ForeignKey(Message, verbose_name=_("message"), on_delete=models.PROTECT, related_name="revisions")
    text = models.TextField(_("text"))
    replaced_at = models.DateTimeField(_("replaced at"), default=timezone.now)

    class Meta:
        verbose_name = _("earlier text")
        verbose_name_plural = _("earlier texts")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"#{self.message_id}@{self.replaced_at:%Y-%m-%d %H:%M}"


class MessageAttachment(models.Model):
    """A file attached to a message, kept through Django's storage (the limits of ``core.uploads``)."""

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="messages/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size, bytes"))
    content_type = models.CharField(_("content type"), max_length=100)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class ThreadRead(models.Model):
    """How far one person has read one thread: every message up to ``last_read`` (the read receipts)."""

    thread = models.ForeignKey(Thread, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )
    last_read = models.ForeignKey(
        Message, verbose_name=_("last message read"), on_delete=models.PROTECT, related_name="+"
    )
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("read state")
        verbose_name_plural = _("read states")
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="messaging_thread_read_unique")]
        indexes = [models.Index(fields=["user", "thread"])]

    def __str__(self) -> str:
        return f"{self.user_id} read #{self.thread_id} to {self.last_read_id}"


class ThreadMute(models.Model):
    """A person of the family side the school side muted in a thread: they read it but cannot write."""

    thread = models.ForeignKey(Thread, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("muted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("mute")
        verbose_name_plural = _("mutes")
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="messaging_thread_mute_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} muted in #{self.thread_id}"
