"""Settings for the Worklog Report app, read from the environment (docs/product.md §9).

Every value comes from an environment variable (or a `.env` file beside manage.py).
Development defaults apply only while DEBUG is on; with DEBUG off the app refuses
to start without a real SECRET_KEY and ENCRYPTION_KEYS.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# The first line of the development `.env` that `make run` writes (scripts/run_dev.py).
DEV_ENV_MARKER = "# Development settings written by `make run`; never used in production."


def dev_env_applies(path: Path, environ_: Mapping[str, str] = os.environ) -> bool:
    """Whether settings read `path`: any `.env` of your own always; the one `make run` wrote
    only in a process whose environment neither turns DEBUG off nor sets SECRET_KEY, so a
    deployment (which sets both), the tests and `make serve` never pick up its DEBUG=1."""
    if not path.is_file():
        return False
    with path.open(errors="replace") as file:
        if file.readline().rstrip("\n") != DEV_ENV_MARKER:
            return True
    debug_off = "DEBUG" in environ_ and not environ.Env.parse_value(environ_["DEBUG"], bool)
    return not debug_off and not environ_.get("SECRET_KEY")


if dev_env_applies(BASE_DIR / ".env"):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])

if not DEBUG:
    _missing = [
        name
        for name, value in (("SECRET_KEY", SECRET_KEY), ("ENCRYPTION_KEYS", ENCRYPTION_KEYS))
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"{' and '.join(_missing)} must be set when DEBUG is off. "
            "See .env.example and the README's Settings section."
        )
elif not SECRET_KEY:
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # intcomma and pluralize on the configuration tabs ("1,160 worklogs").
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "accounts",
    "jsm",
    "tempo_integration",
    "portal",
    "sync",
    "backup",
    "alerts",
    "statements",
    "webhooks",
]

MIDDLEWARE = [
    # Outermost: one log line per request, whatever answers it.
    "worklog_report.middleware.RequestLogMiddleware",
    # /healthz answers load balancers before the host and HTTPS checks (they probe by IP).
    "worklog_report.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so refusals (400 bad host, 413, 414) carry these headers too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "worklog_report.middleware.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "worklog_report.middleware.MethodNotAllowedPageMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "worklog_report.urls"
WSGI_APPLICATION = "worklog_report.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'app.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # Several processes (web, worker) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
    # Tests use a file too, so a test can prove what is (not) written to disk; one per
    # process, so two test runs on one machine never share it (the runner deletes it).
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / f"test-app-{os.getpid()}.sqlite3")
    }

# Each web worker keeps its database connection between requests (opening a PostgreSQL
# connection costs every request about 10 ms; `make loadtest`), and checks it before reusing
# it, so a restarted database costs one reconnect, not an error. 0 closes it after each request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username+address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailOrUsernameBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

MESSAGE_TAGS = {
    # Flags: Atlassian calls the red ones "error", Django's default tag is "error" too.
    40: "error",
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Worklog Report <noreply@localhost>")
# Seconds an SMTP server may take to answer before a send fails (and is retried later).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The app's address for links in e-mails sent by the worker (contract alerts), e.g.
# https://hours.example.com; without it, the first of ALLOWED_HOSTS.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
if not SITE_URL:
    _host = next((h for h in ALLOWED_HOSTS if h and "*" not in h), "localhost").lstrip(".")
    _port = env.str("PORT", default="")  # `make run` serves on PORT
    SITE_URL = f"{'https' if env.bool('HTTPS_ONLY', default=not DEBUG) else 'http'}://{_host}" + (
        f":{_port}" if _port and _port not in ("80", "443") else ""
    )

# The sign-in lockout and the set-password limits count in the cache, which every web worker
# must share: the database with DEBUG off (`manage.py createcachetable`, run by the release
# step), memory in development.
CACHES = {
    "default": env.cache_url(
        "CACHE_URL", default="locmemcache://" if DEBUG else "dbcache://worklog_report_cache"
    )
}
# How long a computed report stays in that cache at most (seconds; portal/report_cache.py): a
# change of the data makes a new key at once, this only bounds what nobody asks for again.
# 0 turns the report cache off.
REPORT_CACHE_SECONDS = env.int("REPORT_CACHE_SECONDS", default=900)

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# Outbound services (docs/product.md §9). `make run` points both at the local sandbox.
TEMPO_BASE_URL = env.str("TEMPO_BASE_URL", default="https://api.tempo.io").rstrip("/")
# Seconds: (connect, read) per request, and the total a call may spend on failed attempts and
# the waits between its retries.
TEMPO_CONNECT_TIMEOUT = env.float("TEMPO_CONNECT_TIMEOUT", default=5.0)
TEMPO_READ_TIMEOUT = env.float("TEMPO_READ_TIMEOUT", default=20.0)
TEMPO_RETRY_BUDGET = env.float("TEMPO_RETRY_BUDGET", default=30.0)
# Where "Connect with OAuth 2.0" sends the administrator (docs/outside-apis.md §2). Empty:
# Tempo's recommended {TEMPO_BASE_URL}/oauth/authorize/redirect (with jira_url=JIRA_BASE_URL);
# Connect installs may use the legacy
# {JIRA_BASE_URL}/plugins/servlet/ac/io.tempo.jira/oauth-authorize/ instead.
TEMPO_OAUTH_AUTHORIZE_URL = env.str("TEMPO_OAUTH_AUTHORIZE_URL", default="")
JIRA_BASE_URL = env.str("JIRA_BASE_URL", default="").rstrip("/")
JIRA_EMAIL = env.str("JIRA_EMAIL", default="")
JIRA_API_TOKEN = env.str("JIRA_API_TOKEN", default="")
JIRA_CONNECT_TIMEOUT = env.float("JIRA_CONNECT_TIMEOUT", default=5.0)
JIRA_READ_TIMEOUT = env.float("JIRA_READ_TIMEOUT", default=30.0)
JIRA_RETRY_BUDGET = env.float("JIRA_RETRY_BUDGET", default=60.0)
# Seconds one attempt of any Tempo or Jira call may take to bring in its whole answer. The
# read timeouts limit each socket read only, so without it an answer dripping a byte at a
# time would keep a sync busy for hours (docs/outside-apis.md §5, urllib3 issue 1338).
HTTP_CALL_DEADLINE = env.float("HTTP_CALL_DEADLINE", default=60.0)
if HTTP_CALL_DEADLINE <= 0:
    raise ImproperlyConfigured("HTTP_CALL_DEADLINE must be a number of seconds above 0.")
SYNC_INTERVAL = env.int("SYNC_INTERVAL", default=900)
# Webhooks (docs/operations.md, Webhooks): Tempo and Jira post each change to
# WEBHOOK_BASE_URL/webhooks/…, which must be an HTTPS address they can reach (plain HTTP only
# on loopback, for the sandbox); polling every SYNC_INTERVAL remains the safety net.
WEBHOOKS = env.bool("WEBHOOKS", default=True)
WEBHOOK_BASE_URL = env.str("WEBHOOK_BASE_URL", default=SITE_URL).rstrip("/")
# A sync's lock is a lease renewed after every page; a killed worker's runs out after this.
SYNC_LOCK_SECONDS = env.int("SYNC_LOCK_SECONDS", default=300)

# Tempo backup (docs/product.md §4.5): where archives are written, how many complete archives
# are kept (the oldest beyond it are removed after a new one is verified), and how many
# months back the dated routes (plans, periods, approvals, holidays) are read.
TEMPO_BACKUP_DIR = env.path("TEMPO_BACKUP_DIR", default=BASE_DIR / "var" / "backups")
TEMPO_BACKUP_KEEP = env.int("TEMPO_BACKUP_KEEP", default=7)
TEMPO_BACKUP_MONTHS = env.int("TEMPO_BACKUP_MONTHS", default=24)
if TEMPO_BACKUP_KEEP < 1 or TEMPO_BACKUP_MONTHS < 1:
    raise ImproperlyConfigured("TEMPO_BACKUP_KEEP and TEMPO_BACKUP_MONTHS must be at least 1.")

# The sandbox's loopback control endpoint, used by `manage.py sandbox_token` (development only).
SANDBOX_URL = env.str(
    "SANDBOX_URL", default=f"http://127.0.0.1:{env.int('SANDBOX_PORT', default=8765)}"
).rstrip("/")

# -- Production hardening (README: Deploying, Security) ----------------------------------

# HTTPS: with DEBUG off the app redirects to HTTPS, marks its cookies Secure and sends HSTS.
# `make serve` (plain HTTP on loopback) and the tests turn it off with HTTPS_ONLY=0.
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a proxy that ends TLS: the header it sets to "https", e.g. X-Forwarded-Proto. Only
# set it when the proxy always sets (or strips) that header, or clients could fake HTTPS.
_proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{_proxy_ssl_header.upper().replace('-', '_')}", "https")
# How many proxies in front of the app append to X-Forwarded-For; the client's address (for
# the sign-in lockout and the set-password limit) is the one the outermost of them saw.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_COOKIE_HTTPONLY = True

# Headers on every response. SecurityMiddleware: nosniff, Referrer-Policy, COOP; clickjacking
# middleware: X-Frame-Options; django-csp: a policy without 'unsafe-inline' (the templates have
# no inline script, style or event handler; tests/security/test_headers.py keeps it so).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Bad input: small forms only, so small bodies; RequestLimitsMiddleware answers 413 / 414.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
MAX_QUERY_STRING_LENGTH = 2048

# Sign-in lockout (django-axes): after SIGN_IN_FAILURE_LIMIT failures for one username from
# one address, that pair is refused for SIGN_IN_LOCKOUT_MINUTES (0: until an admin unlocks it
# in Django admin → Access attempts, or `manage.py axes_reset_username USERNAME`).
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
_lockout_minutes = env.int("SIGN_IN_LOCKOUT_MINUTES", default=15)
AXES_COOLOFF_TIME = dt.timedelta(minutes=_lockout_minutes) if _lockout_minutes > 0 else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged

# "First time here? Set your password": at most this many requests per hour for one address
# and from one client address; beyond that the page says so and sends nothing.
SET_PASSWORD_LIMIT_PER_ADDRESS = env.int("SET_PASSWORD_LIMIT_PER_ADDRESS", default=3)
SET_PASSWORD_LIMIT_PER_IP = env.int("SET_PASSWORD_LIMIT_PER_IP", default=10)

# Logs: one line per record, key=value (default) or JSON, every handler behind the filter
# that blanks secrets (docs/product.md §7). Request lines come from RequestLogMiddleware, sync
# lines from sync.log.
LOG_FORMAT = env.str("LOG_FORMAT", default="logfmt")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "worklog_report.redaction.RedactSecretsFilter"}},
    "formatters": {
        "logfmt": {"()": "worklog_report.log_format.LogfmtFormatter"},
        "json": {"()": "worklog_report.log_format.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_secrets"],
        },
        "null": {"class": "logging.NullHandler", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own default config also gives "django" a console handler (and mail to
        # admins): here only ours, so every line is filtered and formatted alike.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # A spoofed Host header is answered 400 and shows in the request line; Django's own
        # report of it is a traceback per scanner probe.
        "django.security.DisallowedHost": {"handlers": ["null"], "propagate": False},
        # runserver's request lines duplicate ours.
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # gunicorn's workers log through the same handler once Django is set up.
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "urllib3": {"level": "WARNING"},
        # WeasyPrint (statement PDFs) logs each rendering step, and fontTools each subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
