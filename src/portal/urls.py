from django.urls import path

from portal import passkeys, second_factor_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("confirm/", views.confirm, name="confirm"),
    path("signin/", views.signin, name="signin"),
    path("signin/second-factor/", second_factor_views.step, name="second_factor"),
    path("passkeys/authenticate/begin/", passkeys.AuthenticationBegin.as_view(), name="passkey_auth_begin"),
    path("passkeys/authenticate/complete/", passkeys.AuthenticationComplete.as_view(), name="passkey_auth_complete"),
    path("passkeys/register/begin/", passkeys.RegistrationBegin.as_view(), name="passkey_register_begin"),
    path("passkeys/register/complete/", passkeys.RegistrationComplete.as_view(), name="passkey_register_complete"),
    path("passkeys/jsi18n/", passkeys.script_catalogue, name="passkey_jsi18n"),
    path("cabinet/security/", second_factor_views.security, name="security"),
    path("cabinet/security/totp/", second_factor_views.totp, name="totp"),
    path("cabinet/security/recovery-codes/", second_factor_views.recovery_codes, name="recovery_codes"),
    path("cabinet/security/<str:kind>/<int:device_id>/remove/", second_factor_views.remove, name="remove_factor"),
    path("signout/", views.signout, name="signout"),
    path("reset/", views.reset_request, name="reset"),
    path("reset/code/", views.reset_confirm, name="reset_confirm"),
    path("cabinet/", views.cabinet, name="cabinet"),
    path("terms/", views.terms, name="terms"),
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
