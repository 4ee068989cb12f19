"""Settings for Dnevnik, read from the environment with safe defaults for a developer's machine.

Every knob an operator may turn is an environment variable; the defaults give an embedded SQLite
database, file outboxes for email and SMS, and a secret key generated once into ``var/``.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from core import keyfiles
from portal import oidc_keys

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
    """The key an operator did not set: made once (privately, atomically) in var/, never in the repository.

    Several app hosts do not share var/: there ``SECRET_KEY`` comes from the environment (README).
    """
    return keyfiles.read_or_create(VAR_DIR / "secret_key", lambda: secrets.token_urlsafe(64)).strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or secret_key_from_var()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "csp",
    # Ninja as an app serves the API docs' Swagger UI from its bundled static files instead of a CDN.
    "ninja",
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
    "messaging",
    "dnevnik",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
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
                # The unread notifications and messages of the header, in one query.
                "messaging.context_processors.unread_counts_processor",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'dnevnik.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # A reused connection is checked before each request: a restarted PostgreSQL costs no 500.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web workers and the task worker) share the file: wait for locks, use WAL.
    # synchronous=FULL: a commit is on disk before it is acknowledged, so a saved mark survives a power cut
    # (NORMAL in WAL mode may lose the last transactions).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
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

# --- Behind HTTPS (production): one switch, ``HTTPS``; ``SECURE_COOKIES`` is its older name and still works.
# The TLS-terminating proxy must set X-Forwarded-Proto (and drop one sent by the client); see docs/security.md.
HTTPS = env_bool("HTTPS", env_bool("SECURE_COOKIES", False))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp) on every response: scripts, styles and everything else only from the
# site itself — no inline script, style or event handler anywhere (tests/test_security_headers.py checks the
# templates). ``data:`` images: the SVG icons the admin's and the API docs' stylesheets embed. No
# ``form-action``: the consent form's answer redirects to the client's own redirect URI, which browsers
# would check against it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

# Rate limits (see portal/throttle.py and docs/security.md): name -> (attempts, sliding window).
RATE_LIMITS: dict[str, tuple[int, timedelta]] = {
    # Failed sign-ins per account (whichever login was typed) and per client address.
    "signin_account": (5, timedelta(minutes=15)),
    "signin_address": (10, timedelta(minutes=1)),
    # Registrations submitted from one address.
    "register_address": (10, timedelta(hours=1)),
    # Password-reset requests per address and per typed login (known or not, so nothing leaks).
    "reset_address": (10, timedelta(hours=1)),
    "reset_login": (5, timedelta(hours=1)),
    # Codes asked for (resend, a new email or phone) from one address, and codes to one email or
    # phone whichever account asks (codes.py keeps its own per-account limits besides).
    "code_address": (20, timedelta(hours=1)),
    "code_target": (10, timedelta(hours=1)),
    # "Already used" answers: SNILS changes in the profile per address, and checks of one SNILS,
    # email or phone from anywhere (registration, profile, contacts).
    "lookup_address": (20, timedelta(hours=1)),
    "lookup_target": (10, timedelta(hours=1)),
}
# Each can be changed from the environment: RATE_LIMIT_SIGNIN_ACCOUNT="5/900" (attempts/seconds).
for _name, _default in list(RATE_LIMITS.items()):
    _attempts, _slash, _seconds = os.environ.get(f"RATE_LIMIT_{_name.upper()}", "").partition("/")
    if _slash:
        RATE_LIMITS[_name] = (int(_attempts), timedelta(seconds=int(_seconds)))

# The client address behind a reverse proxy (see core.web.client_address): the proxies' networks
# (comma-separated CIDRs) and the header they append to. Unset: REMOTE_ADDR, and no header is believed.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
for _network in TRUSTED_PROXIES:
    ipaddress.ip_network(_network, strict=False)  # a typo fails at start-up, not on every request
TRUSTED_PROXY_HEADER = os.environ.get("TRUSTED_PROXY_HEADER", "HTTP_X_FORWARDED_FOR")

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

SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.sms.FileBackend")
SMS_FILE_PATH = VAR_DIR / "outbox" / "sms.log"

# Who may verify a typed SNILS besides the school registry and its registrars: a class with
# ``verify(claim) -> bool`` (see portal/snils.py); the default verifies nothing.
SNILS_VERIFIER = os.environ.get("SNILS_VERIFIER", "portal.snils.NoVerifier")

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

# Email and SMS notifications of a school created in these hours (school time, TIME_ZONE) wait until they end;
# each school may set its own (``registry.School.quiet_hours_start/_end``). The in-app entry appears at once.
QUIET_HOURS = (os.environ.get("QUIET_HOURS_START", "19:00"), os.environ.get("QUIET_HOURS_END", "08:00"))
TRUST_ACTIVATION_WINDOW = timedelta(hours=24)
TRUST_INVITATION_DAYS = 30
TRUST_MAX_LIVE_GRANTS = 10
TRUST_INVITES_PER_HOUR = 20

# --- OpenID Connect provider (django-oauth-toolkit), strict by configuration; see portal/oidc.py.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OIDC_KEY_DIR = VAR_DIR / "oidc-keys"
ACCESS_TOKEN_SECONDS = 60 * 60
REFRESH_TOKEN_ABSOLUTE_SECONDS = 30 * 24 * 60 * 60
# A refresh whose answer was lost (a flaky mobile network) may be retried this long without ending the
# family (``portal.oidc.PortalOAuth2Validator``); later, the same token is a replay and ends it.
REFRESH_TOKEN_RETRY_SECONDS = 10
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ.get("OIDC_RSA_PRIVATE_KEY") or oidc_keys.active_key(OIDC_KEY_DIR),
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": oidc_keys.retired_keys(OIDC_KEY_DIR, keep_seconds=ACCESS_TOKEN_SECONDS),
    # Unset: the issuer is the site root of the request (tests run on random ports); production pins it
    # (``dnevnik.checks``), and authorization responses carry it as ``iss`` (RFC 9207) against mix-ups.
    "OIDC_ISS_ENDPOINT": os.environ.get("OIDC_ISSUER", ""),
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
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
    # The toolkit's grace period would hand back the first answer's tokens, which hashed storage no longer
    # has (its check E001): the retry window is REFRESH_TOKEN_RETRY_SECONDS, handled by the validator.
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "REQUEST_APPROVAL_PROMPT": "force",
    # Behind HTTPS only https and the mobile app's own scheme; plain http (loopback callbacks of a developer's
    # client, the demo client) only on a developer's machine. With HTTPS on, an http scheme is an error of
    # ``check --deploy``.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "ru.dnevnik.mobile", *([] if HTTPS else ["http"])],
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": HTTPS,
    # What the consent screen lists, one line each after «…сможет:»; every API endpoint declares one of
    # these (``portal.oidc.api_auth``, docs/security.md "API scopes").
    "SCOPES": {
        "openid": _("Recognise you when you sign in via the portal"),
        "profile": _("See your surname, given name, patronymic, birth date and your roles in the schools"),
        "email": _("See your email address"),
        "phone": _("See your mobile phone number"),
        "snils": _("See your SNILS"),
        "diary.read": _("See the marks, homework and attendance of your children (or your own) and tick homework done"),
        "visits.read": _(
            "See your children's turnstile passes, school meals and meal balance, and set the low-balance warning"
        ),
        "trust": _(
            "Invite trusted persons to your children's data and revoke their access, see when they looked, "
            "and answer invitations addressed to you"
        ),
        "teacher.write": _(
            "Keep the class register of your lessons: marks, attendance, topics, homework, replacements, "
            "cancellations, moves and final marks"
        ),
        "notifications": _(
            "Read your notifications (they can mention your children's marks and visits) and choose which come"
        ),
        "messages": _(
            "Read and write your conversations with your children's teachers (or your pupils' families), "
            "with their files and read receipts"
        ),
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
