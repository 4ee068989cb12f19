"""JSON API of the diary for teachers: writing a lesson's marks, homework, attendance and topic."""

from ninja import Router

router = Router(tags=["teacher"])
