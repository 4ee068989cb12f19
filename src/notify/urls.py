"""The cabinet's notifications: the inbox, marking read, and the per-kind, per-channel choices."""

from django.urls import path

from notify import views

app_name = "notify"

urlpatterns = [
    path("cabinet/notifications/", views.inbox, name="inbox"),
    path("cabinet/notifications/read/", views.read, name="read"),
    path("cabinet/notifications/settings/", views.preferences, name="settings"),
    path("cabinet/notifications/cadence/", views.cadence, name="cadence"),
    path("cabinet/notifications/push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("cabinet/notifications/push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
]
