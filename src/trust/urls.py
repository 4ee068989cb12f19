"""Pages of the trusted-persons service, mounted at the site root."""

from django.urls import path

from trust import views

app_name = "trust"

urlpatterns = [
    path("diary/<uuid:student_id>/trusted/", views.student, name="student"),
    path("diary/trusted/<int:grant_id>/revoke/", views.revoke, name="revoke"),
    path("cabinet/services/trusted/", views.service, name="service"),
    path("cabinet/subscriptions/", views.subscriptions, name="subscriptions"),
    path("cabinet/subscriptions/<int:grant_id>/accept/", views.accept, name="accept"),
    path("cabinet/subscriptions/<int:grant_id>/decline/", views.decline, name="decline"),
    path("cabinet/subscriptions/<int:grant_id>/leave/", views.leave, name="leave"),
]
