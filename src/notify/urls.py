"""The cabinet's notifications: the inbox, marking read, and the per-kind, per-channel choices."""

from django.urls import path

from notify import views

app_name = "notify"

urlpatterns = [
    path("cabinet/notifications/", views.inbox, name="inbox"),
    path("cabinet/notifications/read/", views.read, name="read"),
    path("cabinet/notifications/settings/", views.preferences, name="settings"),
]
