"""Pages of announcements: the feed, a new one, the author's receipts."""

from django.urls import path

from news import views

app_name = "news"

urlpatterns = [
    path("news/", views.feed, name="feed"),
    path("news/new/", views.new, name="new"),
    path("news/<int:announcement_id>/read/", views.read, name="read"),
    path("news/<int:announcement_id>/receipts/", views.receipts, name="receipts"),
    path("news/<int:announcement_id>/remind/", views.remind, name="remind"),
]
