"""JSON API of the diary for families: /students/{student_id}/diary, /marks, /homework, /attendance."""

from ninja import Router

router = Router(tags=["diary"])
