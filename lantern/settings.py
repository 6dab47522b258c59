"""Lantern's settings, read from the environment by strict helpers (see ``lantern.env``).

``LANTERN_MODE`` picks how Lantern runs:

* ``production`` (the default): every secret must come from the environment, Lantern refuses
  to start without them, and HTTPS-only protections are on.
* ``demo``: a single-machine installation on 127.0.0.1 for trying Lantern out; it creates its
  own secrets in the ignored local data folder the first time it starts.
* ``test``: fresh random keys for each test run, never written anywhere.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lantern import env
from lantern.audit import checkpoints as audit_checkpoints
from lantern.core import private_files
from lantern.crypto import local_keys
from lantern.crypto.keyring import KeyRing, generate_key

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent

MODE = env.get_choice("LANTERN_MODE", ("production", "demo", "test"), "production")
PRODUCTION = MODE == "production"
DATA_DIR = Path(env.get_str("LANTERN_DATA_DIR", str(REPO_DIR / "var"))).resolve()
if MODE != "test":
    # Created 0700 before anything (demo keys, database, mail, static files) goes in it.
    private_files.private_directory(DATA_DIR)

# --- Secrets ---------------------------------------------------------------------------

if MODE == "production":
    SECRET_KEY = env.get_str("LANTERN_SECRET_KEY", "")
    LANTERN_ENCRYPTION_KEYS = env.get_str("LANTERN_ENCRYPTION_KEYS", "")
    LANTERN_INDEX_KEY = env.get_str("LANTERN_INDEX_KEY", "")
    LANTERN_AUDIT_KEY = env.get_str("LANTERN_AUDIT_KEY", "")
    _missing = [
        name
        for name, value in (
            ("LANTERN_SECRET_KEY", SECRET_KEY),
            ("LANTERN_ENCRYPTION_KEYS", LANTERN_ENCRYPTION_KEYS),
            ("LANTERN_INDEX_KEY", LANTERN_INDEX_KEY),
            ("LANTERN_AUDIT_KEY", LANTERN_AUDIT_KEY),
        )
        if not value.strip()
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Lantern runs in production mode and refuses to start without "
            + ", ".join(_missing)
            + ". Generate keys with 'lantern keys generate', or set LANTERN_MODE=demo "
            "to try Lantern on this machine."
        )
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("LANTERN_SECRET_KEY must be at least 50 characters long.")
elif MODE == "demo":
    _demo = local_keys.load_or_create(DATA_DIR)
    SECRET_KEY = _demo["secret_key"]
    LANTERN_ENCRYPTION_KEYS = _demo["encryption_keys"]
    LANTERN_INDEX_KEY = _demo["index_key"]
    LANTERN_AUDIT_KEY = _demo["audit_key"]
else:
    SECRET_KEY = generate_key() + generate_key()
    LANTERN_ENCRYPTION_KEYS = f"test1:{generate_key()}"
    LANTERN_INDEX_KEY = generate_key()
    LANTERN_AUDIT_KEY = generate_key()

# Wrong key material stops start-up here, with a message that names the variable only.
KeyRing.from_config(LANTERN_ENCRYPTION_KEYS, LANTERN_INDEX_KEY)
try:
    audit_checkpoints.decode_key(LANTERN_AUDIT_KEY)
except ValueError as _bad_audit_key:
    raise ImproperlyConfigured(str(_bad_audit_key)) from None

# --- Audit trail sealing (lantern.audit.sealing) ------------------------------------------
# Checkpoints go to this append-only file (mode 0600) and, if asked, to syslog too.
LANTERN_AUDIT_CHECKPOINT_FILE = (
    None
    if MODE == "test"
    else Path(env.get_str("LANTERN_AUDIT_CHECKPOINT_FILE", str(DATA_DIR / "audit-checkpoints.log")))
)
# The PostgreSQL role Lantern connects as, granted its privileges after each migrate
# (lantern.audit.db_roles; docs/deploy.md). Empty: migrations and Lantern share one role.
LANTERN_DB_APP_ROLE = env.get_str("LANTERN_DB_APP_ROLE", "")
LANTERN_AUDIT_SYSLOG = env.get_bool("LANTERN_AUDIT_SYSLOG", False)
LANTERN_AUDIT_SEAL_BATCH = env.get_int("LANTERN_AUDIT_SEAL_BATCH", 5000)
LANTERN_AUDIT_SEAL_INTERVAL = env.get_int("LANTERN_AUDIT_SEAL_INTERVAL_SECONDS", 1)
# Privacy officers are told when an entry has waited this long to be sealed.
LANTERN_AUDIT_SEAL_ALARM = env.get_int("LANTERN_AUDIT_SEAL_ALARM_SECONDS", 300)

DEBUG = env.get_bool("LANTERN_DEBUG", False)
if DEBUG and PRODUCTION:
    raise ImproperlyConfigured("LANTERN_DEBUG cannot be on in production mode.")

if PRODUCTION:
    ALLOWED_HOSTS = env.get_list("LANTERN_ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("LANTERN_ALLOWED_HOSTS must name the host(s) Lantern serves.")
else:
    ALLOWED_HOSTS = env.get_list("LANTERN_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

# --- Applications ------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    # Lantern's own accounts.Authenticator (sealed secret) replaced this plugin's device;
    # it stays installed for the migration that moved its rows, and its table stays empty.
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "lantern.core",
    "lantern.crypto",
    "lantern.accounts",
    "lantern.audit",
    "lantern.patients",
    "lantern.screening",
    "lantern.encounters",
    "lantern.privacy",
    "lantern.demo",
    "lantern.careplans",
    "lantern.training",
    "lantern.referrals",
    "lantern.fhir",
    "lantern.messaging",
    "lantern.reports",
]

MIDDLEWARE = [
    # First: names the URL pattern for the access log, whoever answers the request.
    "lantern.core.request_logs.RouteNameMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lantern.audit.context.AuditContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Before the session time-out: a tablet left idle keeps its screening.
    "lantern.screening.kiosk.KioskIdleMiddleware",
    "lantern.accounts.middleware.SessionTimeoutMiddleware",
    "lantern.accounts.middleware.SecondFactorRequiredMiddleware",
    "lantern.accounts.middleware.PasswordChangeRequiredMiddleware",
    "lantern.screening.kiosk.KioskLockMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lantern.core.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lantern.urls"
WSGI_APPLICATION = "lantern.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "patients:search"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lantern.core.context_processors.lantern",
            ],
        },
    },
]

# Standard widgets written out directly rather than through Django's widget templates: the
# same HTML, without the template machinery for every radio button (lantern.core.form_rendering).
FORM_RENDERER = "lantern.core.form_rendering.FormRenderer"

# --- Database ----------------------------------------------------------------------------

_default_db = "sqlite://:memory:" if MODE == "test" else f"sqlite:///{DATA_DIR / 'lantern.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env.get_str("DATABASE_URL", _default_db), conn_max_age=0 if MODE == "test" else 60
    )
}
# Behind PgBouncer in transaction mode consecutive transactions may reach different server
# connections, so a cursor kept open between them (Django's .iterator() on PostgreSQL) would
# be lost: such iterators then fetch their rows at once (docs/deploy.md).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.get_bool(
    "LANTERN_DB_TRANSACTION_POOLING", False
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # secure_delete overwrites deleted content, so a value sealed or removed later does
        # not linger in free pages of the file.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA secure_delete=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if MODE != "test":
    # The SQLite file is created 0600; a data folder or database others can read stops
    # start-up here with the chmod that fixes it (see lantern.core.private_files).
    private_files.prepare(DATA_DIR, private_files.sqlite_path(DATABASES["default"]))

# --- Background work ---------------------------------------------------------------------

TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if MODE == "test"
        else "django_tasks_db.DatabaseBackend",
    }
}

# --- Authentication ----------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id first (lantern.accounts.hashers); the others only check older hashes, which are
# upgraded to Argon2id at their owner's next sign-in.
PASSWORD_HASHERS = [
    "lantern.accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
if MODE == "test":
    # Fast hashes for the suite; tests/accounts/test_password_hashing.py uses the list above.
    PRODUCTION_PASSWORD_HASHERS = PASSWORD_HASHERS
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sessions end after 15 idle minutes and 12 hours in all, enforced on the server.
LANTERN_IDLE_TIMEOUT = timedelta(minutes=env.get_int("LANTERN_IDLE_TIMEOUT_MINUTES", 15))
LANTERN_SESSION_LIFETIME = timedelta(hours=env.get_int("LANTERN_SESSION_HOURS", 12))
# How recently a password and second factor must have been re-entered for step-up actions.
LANTERN_REAUTH_WINDOW = timedelta(minutes=env.get_int("LANTERN_REAUTH_MINUTES", 5))
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(LANTERN_SESSION_LIFETIME.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "lantern.core.views.csrf_failure"

# Second factor (TOTP) for every staff account; recovery codes as static tokens.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Lockout (lantern.accounts.lockout): 5 failures for one account from one address pause
# that pair; an address as a whole only after LANTERN_LOCKOUT_ADDRESS_LIMIT failures. The
# lockout table keeps a keyed hash of what was typed as the username, never the text.
AXES_FAILURE_LIMIT = 5
LANTERN_LOCKOUT_ADDRESS_LIMIT = env.get_int("LANTERN_LOCKOUT_ADDRESS_LIMIT", 100)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # this order: see lockout
AXES_HANDLER = "lantern.accounts.lockout.LockoutHandler"
AXES_USERNAME_CALLABLE = "lantern.accounts.lockout.axes_username"
AXES_COOLOFF_TIME = timedelta(minutes=env.get_int("LANTERN_LOCKOUT_MINUTES", 30))
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # Lantern's own audit trail records every sign-in
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken", "otp_token"]
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "lantern.core.client_ip.client_ip"

# --- Transport and headers ---------------------------------------------------------------

# Behind an HTTPS proxy the client address is the last X-Forwarded-For entry; lockouts and
# the audit trail both use lantern.core.client_ip.
LANTERN_BEHIND_TLS_PROXY = env.get_bool("LANTERN_BEHIND_TLS_PROXY", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env.get_bool("LANTERN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.get_int("LANTERN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.get_bool("LANTERN_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain to HTTPS for good: the hospital decides, not us.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if LANTERN_BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.get_list("LANTERN_CSRF_TRUSTED_ORIGINS", [])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# --- Language and time -------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.get_str("LANTERN_TIME_ZONE", "America/New_York")
USE_TZ = True

# --- Static files ------------------------------------------------------------------------

STATIC_URL = "/static/"
# Tests serve assets straight from the apps (WhiteNoise finders); nothing is collected.
STATIC_ROOT = None if MODE == "test" else DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if MODE == "test"
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = MODE == "test"

# --- Logging: never log request bodies or patient data -----------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Request records name the URL pattern, never the path, and refusals are one line.
    "filters": {"request_line": {"()": "lantern.core.request_logs.RequestLineFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_line"],
        }
    },
    "root": {"handlers": ["console"], "level": env.get_str("LANTERN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["request_line"]},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Lantern audits every sign-in itself; django-axes need only report problems.
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Email: security notices go to staff addresses only ---------------------------------

DEFAULT_FROM_EMAIL = env.get_str("LANTERN_MAIL_FROM", "lantern@localhost")
if MODE == "test":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif env.get_str("LANTERN_SMTP_HOST", ""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.get_str("LANTERN_SMTP_HOST")
    EMAIL_PORT = env.get_int("LANTERN_SMTP_PORT", 587)
    EMAIL_HOST_USER = env.get_str("LANTERN_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = env.get_str("LANTERN_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = env.get_bool("LANTERN_SMTP_TLS", True)
else:
    # Without a mail server, notices are written to files an operator can read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
# A mail server that does not answer must not hold a message's claim past its lease.
EMAIL_TIMEOUT = env.get_int("LANTERN_SMTP_TIMEOUT_SECONDS", 30)

# --- Messages to patients: reminders through safe channels only (docs/reminders.md) -------

# The sender patients see: a neutral address, never one that names the clinic's kind of care.
LANTERN_PATIENT_MAIL_FROM = env.get_str("LANTERN_PATIENT_MAIL_FROM", DEFAULT_FROM_EMAIL)
LANTERN_SMS_BACKEND = env.get_choice("LANTERN_SMS_BACKEND", ("file", "twilio"), "file")
LANTERN_SMS_FILE = (
    str(Path(tempfile.gettempdir()) / f"lantern-test-sms-{os.getpid()}" / "outbox.jsonl")
    if MODE == "test"
    else env.get_str("LANTERN_SMS_FILE", str(DATA_DIR / "sms" / "outbox.jsonl"))
)
LANTERN_TWILIO_ACCOUNT_SID = env.get_str("LANTERN_TWILIO_ACCOUNT_SID", "")
LANTERN_TWILIO_AUTH_TOKEN = env.get_str("LANTERN_TWILIO_AUTH_TOKEN", "")
# A phone number (+1...) or a Messaging Service SID (MG...).
LANTERN_TWILIO_FROM = env.get_str("LANTERN_TWILIO_FROM", "")
LANTERN_TWILIO_API_URL = env.get_str("LANTERN_TWILIO_API_URL", "https://api.twilio.com")
if LANTERN_SMS_BACKEND == "twilio":
    _missing = [
        name
        for name, value in (
            ("LANTERN_TWILIO_ACCOUNT_SID", LANTERN_TWILIO_ACCOUNT_SID),
            ("LANTERN_TWILIO_AUTH_TOKEN", LANTERN_TWILIO_AUTH_TOKEN),
            ("LANTERN_TWILIO_FROM", LANTERN_TWILIO_FROM),
        )
        if not value.strip()
    ]
    if _missing:
        raise ImproperlyConfigured("LANTERN_SMS_BACKEND=twilio needs " + ", ".join(_missing) + ".")
# A worker holds a message this long while sending it; after that another may take it over.
LANTERN_MESSAGING_LEASE_SECONDS = env.get_int("LANTERN_MESSAGING_LEASE_SECONDS", 300)
# Failed sends wait this long, doubling with each attempt, until the last attempt.
LANTERN_MESSAGING_RETRY_SECONDS = env.get_int("LANTERN_MESSAGING_RETRY_SECONDS", 60)
LANTERN_MESSAGING_MAX_ATTEMPTS = env.get_int("LANTERN_MESSAGING_MAX_ATTEMPTS", 6)
# Contact preferences older than this ask staff to re-confirm them (clinics may set their own).
LANTERN_RECONFIRM_DAYS = env.get_int("LANTERN_RECONFIRM_DAYS", 90)

# --- Lantern ------------------------------------------------------------------------------

# Shown in every title and header: neutral on purpose, so a screen seen over a shoulder or a
# browser tab does not reveal what kind of care the person is receiving.
LANTERN_APP_NAME = env.get_str("LANTERN_APP_NAME", "Lantern")
OTP_TOTP_ISSUER = LANTERN_APP_NAME  # the name authenticator apps show: neutral too
# FHIR API: token lifetime, page sizes, the public base URL (when a proxy rewrites it),
# and where Bulk Data exports are kept (sealed) until they expire.
LANTERN_FHIR_TOKEN_SECONDS = env.get_int("LANTERN_FHIR_TOKEN_SECONDS", 300)
LANTERN_FHIR_DEFAULT_PAGE = 50
LANTERN_FHIR_MAX_PAGE = 500
LANTERN_FHIR_BASE_URL = env.get_str("LANTERN_FHIR_BASE_URL", "").rstrip("/")
LANTERN_FHIR_EXPORT_HOURS = env.get_int("LANTERN_FHIR_EXPORT_HOURS", 2)
LANTERN_FHIR_EXPORT_DIR = (
    Path(tempfile.gettempdir()) / f"lantern-test-exports-{os.getpid()}"
    if MODE == "test"
    else Path(env.get_str("LANTERN_FHIR_EXPORT_DIR", str(DATA_DIR / "fhir-exports")))
)
# How long a record opened with emergency access ("break the glass") stays open.
LANTERN_EMERGENCY_ACCESS_HOURS = env.get_int("LANTERN_EMERGENCY_ACCESS_HOURS", 4)
