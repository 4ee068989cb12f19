from django.urls import path

from erasure import views

app_name = "erasure"

urlpatterns = [
    path("cabinet/delete/", views.delete_account, name="delete_account"),
    path("account-deleted/", views.deleted, name="deleted"),
]
