"""Family pages of the diary (the week, marks, homework, attendance)."""

from django.urls import path

from diary import alerts_views, views

app_name = "diary"

urlpatterns = [
    path("diary/", views.home, name="home"),
    path("diary/<uuid:student_id>/", views.week, name="week"),
    path("diary/<uuid:student_id>/marks/", views.marks, name="marks"),
    path("diary/<uuid:student_id>/homework/", views.homework, name="homework"),
    path("diary/<uuid:student_id>/attendance/", views.attendance, name="attendance"),
    path("diary/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("diary/homework/<int:homework_id>/done/", views.homework_done, name="homework_done"),
    # issue 16: the pupil hands in an answer; a file of an answer, behind the access check
    path("diary/homework/<int:homework_id>/answer/", views.hand_in, name="hand_in"),
    path("diary/answers/files/<int:file_id>/", views.answer_file, name="answer_file"),
    path("diary/<uuid:student_id>/absence/", views.absence, name="absence"),
    path("diary/absence/<int:note_id>/withdraw/", views.absence_withdraw, name="absence_withdraw"),
    # issue 17: a child's alerts (a section of «Как часто», /cabinet/notifications/cadence/)
    path("cabinet/notifications/alerts/<uuid:student_id>/", alerts_views.child_alerts, name="alerts"),
]
