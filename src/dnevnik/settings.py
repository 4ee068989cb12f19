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

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from core import keyfiles
from dnevnik import profiles
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
    "portal.admin_apps.PortalAdminConfig",  # django.contrib.admin with the portal's sign-in (portal.admin_site)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    # The second factor (portal/second_factor.py): TOTP apps, single-use recovery codes and passkeys.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "notify",
    "audit",
    "portal",
    "registry",
    "diary",
    "visits",
    "trust",
    "news",
    "messaging",
    "privacy",
    "erasure",
    "dnevnik",
    # Last, as its documentation asks: a stored file (a homework answer's, a message's, an archive) goes from
    # the storage when its row is deleted or replaced, after the transaction commits — so an erased pupil's
    # files do not outlive the record (docs/privacy.md), and a rolled-back deletion keeps them.
    "django_cleanup.apps.CleanupConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dnevnik.csp.CSPMiddleware",  # django-csp's, with the static header built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before anything reads the database: which database this request reads (a replica or the primary).
    "dnevnik.db_router.ReplicaReadsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # ``request.user.is_verified()``: the session passed the second factor (one device query, only for a session
    # that did).
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.AbsoluteSessionLifetimeMiddleware",
    # After a sign-in that found a new version of the processing terms: the terms page first (session only).
    "portal.middleware.TermsInterstitialMiddleware",
    "dnevnik.messages.MessageMiddleware",  # Django's, with the storage made on first use
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
            # ``{% url %}`` with its answers remembered (``core.urls``): a page's menu reversed a quarter of its CPU.
            "builtins": ["core.templatetags.remembered_urls"],
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

# --- The database. Production (docs/scaling.md): PostgreSQL, each process with a pool of connections
# (DB_POOL=on, Django's native psycopg pool; or PgBouncer in front and DB_CONN_MAX_AGE), and read replicas
# (DATABASE_REPLICA_URLS) that take the reads of requests that wrote nothing (``dnevnik.db_router``).
_DB_CONN_MAX_AGE = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
_DB_POOL = (
    profiles.pool_options(
        min_size=int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
        max_size=int(os.environ.get("DB_POOL_MAX_SIZE", "10")),
        timeout=float(os.environ.get("DB_POOL_TIMEOUT", "10")),
    )
    if env_bool("DB_POOL", False)
    else None
)
# Server-side prepared statements after this many runs of a statement on a connection (``profiles.database``);
# "off" turns them off (a PgBouncer older than 1.21 in transaction mode).
_DB_PREPARE_THRESHOLD = (
    None if os.environ.get("DB_PREPARE_THRESHOLD", "5") == "off" else int(os.environ.get("DB_PREPARE_THRESHOLD", "5"))
)
DATABASES = {
    "default": profiles.database(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'dnevnik.sqlite3'}",
        conn_max_age=_DB_CONN_MAX_AGE,
        pool=_DB_POOL,
        prepare_threshold=_DB_PREPARE_THRESHOLD,
    ),
    **profiles.replica_databases(
        env_list("DATABASE_REPLICA_URLS", ""),
        conn_max_age=_DB_CONN_MAX_AGE,
        pool=_DB_POOL,
        prepare_threshold=_DB_PREPARE_THRESHOLD,
    ),
}
DATABASE_ROUTERS = ["dnevnik.db_router.PrimaryReplicaRouter"]
# How long after a write the same session or token keeps reading the primary, so that a parent who just
# wrote sees it although a replica has not replayed it yet (replicas lag by milliseconds when healthy).
DATABASE_PRIMARY_AFTER_WRITE_SECONDS = int(os.environ.get("DATABASE_PRIMARY_AFTER_WRITE_SECONDS", "10"))
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

# Caches: local memory in the embedded default. ``diary`` holds the family's cached reads (``diary.cache``),
# keyed by versions that every write moves on, so a stale entry is never found again; the timeout only
# bounds what it keeps for what no version names (a term's dates, a teacher's name). Production points both
# at Redis (``django.core.cache.backends.redis.RedisCache``), shared by every app host.
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = ["portal.backends.PortalLoginBackend", "django_otp_webauthn.backends.WebAuthnBackend"]
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

# Sessions: 30 minutes idle, 12 hours at most. The idle timer is renewed by saving the session, at most once
# a minute (``portal.middleware``), not on every request: a GET writes nothing.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = int(os.environ.get("SESSION_TOUCH_SECONDS", 60))
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

# --- The second factor (portal/second_factor.py, docs/security.md "A second factor"). The roles that must pass
# one after the password (``portal.selectors.account_roles``); everyone else may turn it on in the cabinet.
# On by default behind HTTPS (production); off on a developer's machine and in the embedded demo, so that
# ``make run``'s demo sign-ins work with the password alone. ``SECOND_FACTOR_REQUIRED_FOR=""`` turns it off.
_STAFF_ROLES = "teacher,form_tutor,registrar,operator"
SECOND_FACTOR_REQUIRED_FOR = env_list("SECOND_FACTOR_REQUIRED_FOR", _STAFF_ROLES if HTTPS else "")
# How long the password step waits for its second step.
SECOND_FACTOR_PENDING_SECONDS = 5 * 60
SECOND_FACTOR_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = "Дневник"
# The portal's sign-in limits (RATE_LIMITS) are the one rule for wrong codes; django-otp's own back-off would be
# a second, undocumented one that also refuses a right code after wrong ones.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Passkeys (django-otp-webauthn). The relying party is the site's host name (``WEBAUTHN_RP_ID`` pins it); the
# origins allowed are ``WEBAUTHN_ORIGINS``, else the pinned issuer, else (a developer's machine, tests on
# random ports) the request's own origin. Browsers allow passkeys on https and on http://localhost only.
OTP_WEBAUTHN_RP_NAME = "Дневник"
OTP_WEBAUTHN_RP_ID_CALLABLE = "portal.passkeys.relying_party_id"
OTP_WEBAUTHN_HELPER_CLASS = "portal.passkeys.PortalWebAuthnHelper"
WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "")
WEBAUTHN_ORIGINS = env_list("WEBAUTHN_ORIGINS", os.environ.get("OIDC_ISSUER", ""))
OTP_WEBAUTHN_ALLOWED_ORIGINS = WEBAUTHN_ORIGINS or [f"http://localhost:{os.environ.get('PORT', '8000')}"]

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
        "BACKEND": "dnevnik.static.RememberedManifestStorage"
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
# Web Push to the installed web app: ``notify.push.WebPushBackend`` in production (the push services of the
# browsers must be reachable); the embedded default writes var/outbox/push.log. The VAPID key is
# WEBPUSH_VAPID_PRIVATE_KEY (PEM) on several hosts, else a key file made once in var/.
PUSH_BACKEND = os.environ.get("PUSH_BACKEND", "notify.push.FileBackend")
PUSH_FILE_PATH = VAR_DIR / "outbox" / "push.log"
WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_KEY_FILE = VAR_DIR / "keys" / "vapid.pem"
WEBPUSH_VAPID_SUBJECT = os.environ.get("WEBPUSH_VAPID_SUBJECT", "mailto:support@dnevnik.test")
SMS_FILE_PATH = VAR_DIR / "outbox" / "sms.log"

# Who may verify a typed SNILS besides the school registry and its registrars: a class with
# ``verify(claim) -> bool`` (see portal/snils.py); the default verifies nothing.
SNILS_VERIFIER = os.environ.get("SNILS_VERIFIER", "portal.snils.NoVerifier")

# --- Cache, sessions and tasks. Embedded default: local memory, sessions in the database, the task queue in
# the database with ``manage.py task_worker`` (the DB worker). With REDIS_URL (production, docs/scaling.md):
# the cache and the sessions in Redis, shared by every app node, and the tasks on RQ, run by
# ``manage.py task_worker`` too (an RQ worker then). Sessions in the cache alone (not ``cached_db``): a
# session's idle timeout is renewed by saving it, and a save must not be a write to the primary, the one
# part no node can be added to; the price is that losing the sessions' Redis signs people out, so it runs
# with persistence and without eviction (REDIS_SESSIONS_URL may point at such a Redis of its own).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = profiles.redis_caches(REDIS_URL, sessions_url=os.environ.get("REDIS_SESSIONS_URL") or None)
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    SESSION_CACHE_ALIAS = "sessions"
    RQ_QUEUES = profiles.rq_queues(os.environ.get("REDIS_TASKS_URL") or REDIS_URL)
else:
    CACHES = profiles.local_caches()
TASKS = profiles.tasks(
    os.environ.get("TASKS_BACKEND") or (profiles.RQ_BACKEND if REDIS_URL else profiles.DB_WORKER_BACKEND)
)
if TASKS["default"]["BACKEND"] == profiles.RQ_BACKEND:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]

# --- Trusted persons (DESIGN §1.6): access opens within a day of acceptance. The activation task runs
# after TRUST_ACTIVATION_DELAY (immediately by default); the periodic sweep (`manage.py run_sweeps`)
# activates anything older than TRUST_ACTIVATION_WINDOW that the task missed.
TRUST_ACTIVATION_DELAY = timedelta(seconds=int(os.environ.get("TRUST_ACTIVATION_DELAY_SECONDS", "0")))

# Retention (``erasure``): the defaults of a school's retention periods; a registrar or an operator changes them
# per school in the back office. 152-FZ art. 5 p. 7 keeps personal data no longer than the purpose needs, and
# art. 21 p. 4 destroys them within 30 days after it is reached. The pupil's registry record with marks and
# attendance is the school's record (273-FZ art. 28 p. 3 item 11: the school keeps the results of its pupils;
# the usual nomenclature of cases keeps the class journals 5 years and the summary of marks 25 years, which
# stays in the school's own archive, not here): 5 years after the pupil left or graduated. Turnstile passes
# and meals serve safety and the canteen's accounts: a school year and a quarter (15 months) covers a
# dispute over a payment. Notifications are delivered copies of what the diary holds: 12 months. The trusted
# persons' view log is what a guardian checks: 12 months. Audit events are not destroyed by this job (they
# are the proof of lawful processing, 152-FZ art. 18.1, and of the destructions themselves).
RETENTION_DEFAULTS = {
    "passes_months": 15,
    "meals_months": 15,
    "notifications_months": 12,
    "views_months": 12,
    "pupil_years_after_leaving": 5,
}
# A deleted account is closed at once and its personal data anonymised after this many days (during them the
# person may ask support to restore it: ``erasure.services.restore_account``).
ACCOUNT_DELETION_GRACE = timedelta(days=int(os.environ.get("ACCOUNT_DELETION_GRACE_DAYS", "30")))

# Email and SMS notifications of a school created in these hours (school time, TIME_ZONE) wait until they end;
# each school may set its own (``registry.School.quiet_hours_start/_end``). The in-app entry appears at once.
QUIET_HOURS = (os.environ.get("QUIET_HOURS_START", "19:00"), os.environ.get("QUIET_HOURS_END", "08:00"))
TRUST_ACTIVATION_WINDOW = timedelta(hours=24)
TRUST_INVITATION_DAYS = 30
TRUST_MAX_LIVE_GRANTS = 10
TRUST_INVITES_PER_HOUR = 20
# Where a read through a grant is noted before the sweep writes it to the view log (``trust.viewlog``).
TRUST_VIEW_SPOOL = Path(os.environ.get("TRUST_VIEW_SPOOL", VAR_DIR / "viewlog"))

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
        "absence": _("Tell your children's school that a child will miss lessons, and withdraw such a note"),
        "notifications": _(
            "Read your notifications (they can mention your children's marks and visits) and choose which come"
        ),
        "messages": _(
            "Read and write your conversations with your children's teachers (or your pupils' families), "
            "with their files and read receipts"
        ),
        # issue 18 (privacy2): an archive holds more than every other scope reads; accepting terms is a legal act.
        "export": _("Prepare and download an archive of all the data the service keeps about you and your children"),
        "consent": _(
            "Show you new versions of the personal-data processing terms and record your acceptance, for yourself "
            "and as a guardian for your children's data"
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
