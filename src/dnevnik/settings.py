"""Settings for Dnevnik, read from the environment with safe defaults for a developer's machine.

Every knob an operator may turn is an environment variable; the defaults give an embedded SQLite
database, file outboxes for email and SMS, and a secret key generated once into ``var/``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from dnevnik import oidc_keys

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SRC_DIR = BASE_DIR / "src"
VAR_DIR = Path(os.environ.get("DNEVNIK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def secret_key_from_var() -> str:
    """The key an operator did not set: made once and kept in var/, never in the repository."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or secret_key_from_var()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "notify",
    "audit",
    "portal",
    "registry",
    "diary",
    "visits",
    "trust",
    "dnevnik",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.AbsoluteSessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dnevnik.urls"
WSGI_APPLICATION = "dnevnik.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "notify.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'dnevnik.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web workers and the task worker) share the file: wait for locks, use WAL.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = ["portal.backends.PortalLoginBackend"]
LOGIN_URL = "portal:signin"
LOGIN_REDIRECT_URL = "portal:cabinet"
LOGOUT_REDIRECT_URL = "portal:signin"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "surname", "given_name", "patronymic")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions: 30 minutes idle (the cookie age renewed on every request), 12 hours at most.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Sign-in limits (see portal/throttle.py): per account and per client address.
SIGNIN_ACCOUNT_FAILURES = 5
SIGNIN_ACCOUNT_WINDOW = timedelta(minutes=15)
SIGNIN_ADDRESS_FAILURES = 10
SIGNIN_ADDRESS_WINDOW = timedelta(minutes=1)

# One-time codes (see portal/codes.py).
CODE_LIFETIME = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
CODE_RESEND_INTERVAL = timedelta(seconds=60)
CODE_MAX_PER_HOUR = 5

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
FORMAT_MODULE_PATH = ["dnevnik.formats"]
USE_I18N = True
USE_TZ = True

# Uploaded files (homework attachments); served by the application, behind access checks, not as static.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [SRC_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "outbox" / "email"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Dnevnik <no-reply@dnevnik.local>")

# The site's public address, for links in notification emails (no link when unset).
SITE_URL = os.environ.get("SITE_URL", "")

SMS_BACKEND = os.environ.get("SMS_BACKEND", "notify.sms.FileBackend")
SMS_FILE_PATH = VAR_DIR / "outbox" / "sms.log"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Trusted persons (DESIGN §1.6): access opens within a day of acceptance. The activation task runs
# after TRUST_ACTIVATION_DELAY (immediately by default); the periodic sweep (`manage.py run_sweeps`)
# activates anything older than TRUST_ACTIVATION_WINDOW that the task missed.
TRUST_ACTIVATION_DELAY = timedelta(seconds=int(os.environ.get("TRUST_ACTIVATION_DELAY_SECONDS", "0")))
TRUST_ACTIVATION_WINDOW = timedelta(hours=24)
TRUST_INVITATION_DAYS = 30
TRUST_MAX_LIVE_GRANTS = 10
TRUST_INVITES_PER_HOUR = 20

# --- OpenID Connect provider (django-oauth-toolkit), strict by configuration; see portal/oidc.py.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OIDC_KEY_DIR = VAR_DIR / "oidc-keys"
ACCESS_TOKEN_SECONDS = 60 * 60
REFRESH_TOKEN_ABSOLUTE_SECONDS = 30 * 24 * 60 * 60
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ.get("OIDC_RSA_PRIVATE_KEY") or oidc_keys.active_key(OIDC_KEY_DIR),
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": oidc_keys.retired_keys(OIDC_KEY_DIR, keep_seconds=ACCESS_TOKEN_SECONDS),
    # Unset: the issuer is the site root of the request (tests run on random ports).
    "OIDC_ISS_ENDPOINT": os.environ.get("OIDC_ISSUER", ""),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OAUTH2_VALIDATOR_CLASS": "portal.oidc.PortalOAuth2Validator",
    # client_credentials: only for the schools' turnstile and canteen systems (``visits.ingest``); which grant
    # an application may use is fixed per application, this list is what discovery advertises.
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token", "client_credentials"],
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": ACCESS_TOKEN_SECONDS,
    "ID_TOKEN_EXPIRE_SECONDS": ACCESS_TOKEN_SECONDS,
    # Sliding expiry after the last access token; the absolute 30 days is enforced by the validator.
    "REFRESH_TOKEN_EXPIRE_SECONDS": REFRESH_TOKEN_ABSOLUTE_SECONDS,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https", "ru.dnevnik.mobile"],
    "SCOPES": {
        "openid": _("sign you in with your portal account"),
        "profile": _("your surname, given name, patronymic and birth date"),
        "email": _("your email and whether it is confirmed"),
        "phone": _("your mobile phone and whether it is confirmed"),
        "snils": _("your SNILS"),
        # Held only by client-credentials applications (``portal.oidc.MACHINE_SCOPES``), never shown to people.
        "ingest": _("send turnstile passes and canteen meals of one school"),
    },
    "DEFAULT_SCOPES": ["openid"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
