"""Teacher pages of the diary (the gradebook)."""

from django.urls import path

from diary import teacher_views as views

app_name = "teacher"

urlpatterns = [
    path("teacher/", views.home, name="home"),
    path("teacher/gradebook/<int:class_id>/<int:subject_id>/", views.gradebook, name="gradebook"),
    path("teacher/lessons/<int:lesson_id>/", views.lesson, name="lesson"),
    # issue 16: one homework's answers, the whole class, reviewed in one form
    path("teacher/homework/<int:homework_id>/", views.homework_page, name="homework"),
    path("teacher/absence/<int:class_id>/", views.absence_notes, name="absence"),
]
