from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("confirm/", views.confirm, name="confirm"),
    path("signin/", views.signin, name="signin"),
    path("signout/", views.signout, name="signout"),
    path("reset/", views.reset_request, name="reset"),
    path("reset/code/", views.reset_confirm, name="reset_confirm"),
    path("cabinet/", views.cabinet, name="cabinet"),
    path("cabinet/profile/", views.profile, name="profile"),
    path("cabinet/contacts/", views.contacts, name="contacts"),
    path("cabinet/password/", views.password, name="password"),
    path("cabinet/services/", views.services_catalogue, name="services"),
    path("cabinet/services/diary/", views.service_diary, name="service_diary"),
    path("cabinet/apps/", views.apps, name="apps"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("cabinet/apps/<int:consent_id>/revoke/", views.revoke_app, name="revoke_app"),
]
