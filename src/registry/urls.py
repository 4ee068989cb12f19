from django.urls import path

from registry import views

app_name = "registry"

urlpatterns = [
    path("cabinet/school/", views.school, name="school"),
    path("cabinet/school/link/", views.link, name="link"),
]
