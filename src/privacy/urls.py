from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("cabinet/data/", views.my_data, name="my_data"),
    path("cabinet/data/export/", views.request_export, name="request_export"),
    path("cabinet/data/children/<uuid:student_id>/export/", views.request_child_export, name="request_child_export"),
    path("cabinet/data/export/<uuid:export_id>/", views.export_status, name="export_status"),
    path("cabinet/data/export/<uuid:export_id>/download/", views.download, name="download"),
    path("cabinet/data/export/<uuid:export_id>/retry/", views.retry_export, name="retry_export"),
    path("cabinet/data/children/<uuid:student_id>/consent/", views.child_consent, name="child_consent"),
]
