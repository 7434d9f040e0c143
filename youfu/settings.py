"""youfu settings: everything a deployment changes comes from the environment.

YOUFU_HOME            where the SQLite database, generated keys and files live (default ./var)
YOUFU_DATABASE_URL    default SQLite (WAL) at $YOUFU_HOME/youfu.sqlite3; postgres://… for PostgreSQL
YOUFU_DATABASE_REPLICA_URL  postgres://… of a streaming replica of that PostgreSQL database: the
                      reports, dashboards, exports and public status page read from it (youfu/core/replica.py)
YOUFU_SECRET_KEY      Django's signing key; generated into $YOUFU_HOME on first run when absent
YOUFU_DATA_KEY        key for personal data at rest and the audit chain; generated likewise
YOUFU_DEBUG           "1"/"true" to turn debug on (off by default)
YOUFU_ALLOWED_HOSTS   comma-separated host names
YOUFU_REDIS_URL       when set, the job queue uses Redis (production); else SQLite (embedded)
YOUFU_EMAIL_HOST      SMTP host for reminders (and _PORT, _FROM); unset, mail goes to the log
YOUFU_BACKUP_DIR      where the nightly backups go (default $YOUFU_HOME/backups)
YOUFU_BACKUP_KEEP     how many nightly backups are kept (default 7; 0: no nightly backup)
YOUFU_REPORT_JOB_STALE_SECONDS  a running report job with no step for this long has lost its worker
                      and is failed (default 900; 0: never)
YOUFU_REPORT_JOB_KEEP_DAYS      days a report job's file is kept before it is removed (default 30;
                      0: kept for ever); the monthly archive is always kept
YOUFU_AUDIT_ANCHOR_FILE         where the nightly audit check appends the chain's head (default
                      $YOUFU_HOME/audit-anchors.jsonl); keep a copy off the machine
YOUFU_AUDIT_VIEW_WINDOW_SECONDS a user's second opening of the same person's, petition's or claim's
                      page within this time is not recorded again (default 600; 0: every opening)
YOUFU_DASHBOARD_TALLY_MINUTES   the dashboard's heavy figures are counted ahead on the queue
                      every this many minutes, 1–60 (default 10; 0: counted at each dashboard)
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from youfu.core.keys import load_or_create_key

BASE_DIR = Path(__file__).resolve().parent


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


YOUFU_HOME = Path(os.environ.get("YOUFU_HOME", "./var")).resolve()
YOUFU_HOME.mkdir(parents=True, exist_ok=True)
(YOUFU_HOME / "static").mkdir(exist_ok=True)

SECRET_KEY = os.environ.get("YOUFU_SECRET_KEY") or load_or_create_key(YOUFU_HOME / "secret_key")
YOUFU_DATA_KEY = os.environ.get("YOUFU_DATA_KEY") or load_or_create_key(YOUFU_HOME / "data_key")

DEBUG = _env_flag("YOUFU_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("YOUFU_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]

INSTALLED_APPS = [
    # Before django.contrib.auth, so that its changepassword and createsuperuser commands
    # (which write no audit record) are replaced by youfu's, which refuse and point to the
    # audited ones (the earlier app's command wins).
    "youfu.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "ninja",
    "youfu.core",
    "youfu.regions",
    "youfu.audit",
    "youfu.registry",
    "youfu.benefits",
    "youfu.petitions",
    "youfu.relief",
    "youfu.outreach",
    "youfu.reports",
    "youfu.backup",
    "youfu.api",
    "youfu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "youfu.accounts.middleware.IdleSessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "youfu.api.middleware.ApiBodyLimitMiddleware",
    "youfu.api.middleware.ApiEnvelopeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "youfu.accounts.middleware.AuditContextMiddleware",
    "youfu.accounts.middleware.TwoFactorRequiredMiddleware",
    "youfu.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "youfu.urls"
WSGI_APPLICATION = "youfu.wsgi.application"

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
                "youfu.accounts.context_processors.navigation",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{YOUFU_HOME / 'youfu.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("YOUFU_DATABASE_URL", _default_sqlite))}


def _conn_max_age(engine: str) -> int:
    """How long a web or queue worker keeps its PostgreSQL connection between requests
    (``YOUFU_DATABASE_CONN_MAX_AGE`` seconds, default 60; 0 opens one per request). A new
    connection costs the server a process and its caches: at a million people, keeping them took
    the load bench's mix from 32 to 47 requests/s (bench/README.md, "Load"). Django checks a kept
    connection before each request reuses it (``CONN_HEALTH_CHECKS``), so a restarted server
    costs no request more than a closed one would. SQLite opens a file, which costs nothing: 0."""
    if engine != "django.db.backends.postgresql":
        return 0
    text = os.environ.get("YOUFU_DATABASE_CONN_MAX_AGE", "60").strip()
    if not text.isdigit() or int(text) > 3600:
        raise ImproperlyConfigured("YOUFU_DATABASE_CONN_MAX_AGE is a number of seconds from 0 to 3600")
    return int(text)


DATABASES["default"]["CONN_MAX_AGE"] = _conn_max_age(DATABASES["default"]["ENGINE"])
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes (switched on by youfu/core/sqlite.py, once
    # per file); IMMEDIATE takes the write lock at BEGIN so two writers queue instead of failing
    # with "database is locked" on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory for tests

# A PostgreSQL streaming replica: the reads that say so go there, everything else and every write
# to the primary, and a client that just wrote reads from the primary until the replica has
# replayed its write (youfu/core/replica.py). Unset: one database, no router, no middleware.
YOUFU_DATABASE_REPLICA_URL = os.environ.get("YOUFU_DATABASE_REPLICA_URL", "")
# How long the marker of a client's last write lives at most (a replica further behind than this
# is an incident: docs/deploy.md, monitoring).
YOUFU_REPLICA_MARKER_SECONDS = int(os.environ.get("YOUFU_REPLICA_MARKER_SECONDS", "3600"))
if YOUFU_DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(YOUFU_DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = _conn_max_age(DATABASES["replica"]["ENGINE"])
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    if {DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "YOUFU_DATABASE_REPLICA_URL is a PostgreSQL streaming replica of YOUFU_DATABASE_URL,"
            " which must be PostgreSQL too"
        )
    # Tests read the replica as the primary itself (Django's test mirror).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["youfu.core.replica.ReplicaRouter"]
    # Outside the session and the views: it sees every write a request made, once committed.
    _after = MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
    MIDDLEWARE.insert(_after, "youfu.core.replica.ReplicaMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "youfu.accounts.passwords.CharacterClassValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Login protection (accounts.services.authenticate_login)
YOUFU_LOCKOUT_THRESHOLD = 5
YOUFU_LOCKOUT_MINUTES = 15
YOUFU_TOKEN_LIFETIME_DAYS = int(os.environ.get("YOUFU_TOKEN_LIFETIME_DAYS", "30"))
OTP_TOTP_ISSUER = "youfu"

# Idle timeout: the session cookie lives 30 minutes; using it renews it (at most once a minute).
# The largest request the API reads: the largest upload (a 64 MB registry file) and its
# multipart framing. JSON and form bodies stay within DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
YOUFU_MAX_REQUEST_BYTES = 65 * 1024 * 1024

SESSION_COOKIE_AGE = 30 * 60
# Renewed as it is used, at most once a minute (IdleSessionRenewalMiddleware), not written on
# every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_flag("YOUFU_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from youfu itself — no inline <script>, no
# on…= attributes, no eval (htmx's is switched off in base.html); no plug-ins; no framing; forms
# post only here. Styles may be inline: a few templates set a width or margin in a style
# attribute, and ECharts styles its own elements; a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Behind TLS (YOUFU_SECURE_COOKIES=1, as docs say for production): browsers are told to use
# https only, for a year, and plain http is redirected (unless the proxy terminates TLS and
# says so: YOUFU_PROXY_SSL_HEADER=1 trusts X-Forwarded-Proto).
if SESSION_COOKIE_SECURE:
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = _env_flag("YOUFU_SSL_REDIRECT", default=True)
    if _env_flag("YOUFU_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The browsers' HSTS preload list is for public sites: a bureau's host name is its own
# network's, and once listed it could never serve plain http again.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# Other sites get no referrer; this site's own pages do, and keep their Origin header, which
# the CSRF check needs ("no-referrer" makes browsers post "Origin: null", refused by it).
SECURE_REFERRER_POLICY = "same-origin"
# A failed CSRF check gets youfu's page, in the layout of the pages it came from.
CSRF_FAILURE_VIEW = "youfu.core.views.csrf_failure"
YOUFU_CSRF_FAILURE_LAYOUTS = {"/p/": "petitions/public/base.html"}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = YOUFU_HOME / "static"
MEDIA_ROOT = YOUFU_HOME / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Job queue: the same task code runs on SQLite (embedded, no extra server) or Redis.
YOUFU_REDIS_URL = os.environ.get("YOUFU_REDIS_URL", "")
_huey_immediate = _env_flag("YOUFU_HUEY_IMMEDIATE")
if YOUFU_REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("YOUFU_HUEY_NAME", "youfu"),
        "url": YOUFU_REDIS_URL,
        "immediate": _huey_immediate,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": os.environ.get("YOUFU_HUEY_NAME", "youfu"),
        "filename": os.environ.get("YOUFU_HUEY_FILE", str(YOUFU_HOME / "queue.sqlite3")),
        "immediate": _huey_immediate,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
# The summary's downloads of a region with more people than this on the registry are generated
# by the job queue with a progress page (youfu/reports/job_services.py), not in the request.
YOUFU_REPORT_INLINE_MAX_PERSONS = int(os.environ.get("YOUFU_REPORT_INLINE_MAX_PERSONS", "200000"))
# A running report job writes a heartbeat at every step (seconds each: the bench's whole
# county-year summary of a million people takes about 7 s, bench/README.md): one silent for
# longer than this lost its worker and is failed, by a task every five minutes and whenever
# someone looks at it. 0 turns the rule off.
YOUFU_REPORT_JOB_STALE_SECONDS = int(os.environ.get("YOUFU_REPORT_JOB_STALE_SECONDS", "900"))
# A done report job's file is removed this many days after it was generated (the job then says
# so and offers to generate it again); 0 keeps the files for ever. The monthly archive is not a
# job's file and is always kept.
YOUFU_REPORT_JOB_KEEP_DAYS = int(os.environ.get("YOUFU_REPORT_JOB_KEEP_DAYS", "30"))
# The dashboard's heavy figures (the registry, the people paid, the months' payments, visits and
# homes) read every person's rows: a queue task counts them ahead every this many minutes
# (youfu/reports/tally.py), and the dashboard shows when. 0 counts them at each dashboard.
YOUFU_DASHBOARD_TALLY_MINUTES = int(os.environ.get("YOUFU_DASHBOARD_TALLY_MINUTES", "10"))
if not 0 <= YOUFU_DASHBOARD_TALLY_MINUTES <= 60:
    raise ImproperlyConfigured("YOUFU_DASHBOARD_TALLY_MINUTES must be between 0 and 60")
# Opening one person's record (the person, a petition, a relief grant, a medical claim) is
# recorded in the audit log like a write (PERSONAL_DATA_VIEWED, youfu/audit/services.py); the
# same user reopening the same record within this many seconds is the same reading. 0 records
# every opening.
# Copies of the audit chain's head outside the database, appended every night after the chain
# verifies (youfu/audit/anchors.py); `youfu verify-audit` holds the chain to every one.
YOUFU_AUDIT_ANCHOR_FILE = os.environ.get("YOUFU_AUDIT_ANCHOR_FILE") or str(YOUFU_HOME / "audit-anchors.jsonl")
YOUFU_AUDIT_VIEW_WINDOW_SECONDS = int(os.environ.get("YOUFU_AUDIT_VIEW_WINDOW_SECONDS", "600"))

# Nightly backups on the queue (youfu/backup/tasks.py): the folder they go to, and how many of
# them are kept there (the oldest beyond are removed). 0 turns the nightly backup off.
YOUFU_BACKUP_DIR = Path(os.environ.get("YOUFU_BACKUP_DIR") or YOUFU_HOME / "backups").resolve()
YOUFU_BACKUP_KEEP = int(os.environ.get("YOUFU_BACKUP_KEEP", "7"))

EMAIL_HOST = os.environ.get("YOUFU_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_PORT = int(os.environ.get("YOUFU_EMAIL_PORT", "25"))
    DEFAULT_FROM_EMAIL = os.environ.get("YOUFU_EMAIL_FROM", "youfu@localhost")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
