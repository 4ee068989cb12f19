"""The messages pages."""

from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.thread_list, name="list"),
    path("messages/new/", views.new_thread, name="new"),
    path("messages/<int:thread_id>/", views.thread, name="thread"),
    path("messages/<int:thread_id>/mute/", views.mute, name="mute"),
    path("messages/<int:thread_id>/<int:message_id>/edit/", views.edit, name="edit"),
    path("messages/<int:thread_id>/<int:message_id>/withdraw/", views.withdraw, name="withdraw"),
    path("messages/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
