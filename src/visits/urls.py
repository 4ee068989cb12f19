"""Family pages of visits and meals, in the family's part of the diary."""

from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("diary/<uuid:student_id>/visits/", views.visits, name="visits"),
    path("diary/<uuid:student_id>/meals/", views.meals, name="meals"),
    path("diary/<uuid:student_id>/meals/threshold/", views.threshold, name="threshold"),
]
