"""Announcements: what the school tells the families of some classes, and who has read it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import School, SchoolClass


class Announcement(models.Model):
    """One announcement of a school to the families and pupils of some of its classes.

    ``audience`` says how the author chose them (classes, grades, the whole school) and ``grades`` which
    grades; the classes themselves are resolved once, when it is posted (``AnnouncementClass``), so a class
    opened later does not receive old news. ``needs_confirmation``: the families are asked to confirm they have
    read it, and the author sees who has; ``reminded_at``: the one reminder to those who have not was sent.
    """

    class Audience(models.TextChoices):
        CLASSES = "classes", _("classes")
        GRADES = "grades", _("grades")
        SCHOOL = "school", _("the whole school")

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    grades = models.JSONField(_("grades"), default=list, blank=True)
    needs_confirmation = models.BooleanField(_("confirmation of reading asked"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["author", "-created_at"], name="news_announcement_author")]

    def __str__(self) -> str:
        return self.title


class AnnouncementClass(models.Model):
    """One class an announcement was posted to."""

    announcement = models.ForeignKey(
        Announcement, verbose_name=_("announcement"), on_delete=models.CASCADE, related_name="links"
    )
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="announcement_links"
    )

    class Meta:
        verbose_name = _("class of an announcement")
        verbose_name_plural = _("classes of announcements")
        constraints = [
            models.UniqueConstraint(fields=["announcement", "school_class"], name="news_announcement_class_unique")
        ]
        indexes = [models.Index(fields=["school_class", "announcement"], name="news_class_announcement")]

    def __str__(self) -> str:
        return f"{self.announcement_id} → {self.school_class_id}"


class AnnouncementRead(models.Model):
    """A person marked an announcement read (or, where it asks so, confirmed reading it): no row, unread."""

    announcement = models.ForeignKey(
        Announcement, verbose_name=_("announcement"), on_delete=models.CASCADE, related_name="reads"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("announcement read")
        verbose_name_plural = _("announcements read")
        constraints = [models.UniqueConstraint(fields=["announcement", "account"], name="news_read_once")]
        indexes = [models.Index(fields=["account", "announcement"], name="news_read_account")]

    def __str__(self) -> str:
        return f"{self.account_id} read {self.announcement_id}"
