"""Teacher pages of the diary (the gradebook)."""

from django.urls import path  # noqa: F401

app_name = "teacher"

urlpatterns: list = []
