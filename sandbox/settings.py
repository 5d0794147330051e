"""Settings of the sandbox emulator, read from `SANDBOX_*` environment variables.

The sandbox is a development tool that only ever listens on loopback, so every setting has a
working default: `python sandbox/manage.py runserver` needs no configuration. Its variables
carry a `SANDBOX_` prefix so they never collide with the app's own (`DEBUG`, `DATABASE_URL`).
"""

from __future__ import annotations

import os
from pathlib import Path

import environ

from sandbox.jira import credentials

# The repository root: the sandbox keeps its default database in <repo>/var/ beside the app's.
BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("SANDBOX_DEBUG", default=True)
SECRET_KEY = env.str("SANDBOX_SECRET_KEY", default="sandbox-dev-only-not-a-secret")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    # Before staticfiles: the sandbox's `runserver` (which can drop connections) must win.
    "sandbox",
    "sandbox.tempo",
    "sandbox.jira",
    "sandbox.webhooks",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # Outermost, so a fault answers before anything else runs (docs/product.md §2).
    "sandbox.faults.FaultMiddleware",
    # An API route's unexpected failure answers a JSON 500 in its service's error body,
    # never Django's HTML (debug) page, whatever SANDBOX_DEBUG says.
    "sandbox.json_errors.JsonErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db(
        "SANDBOX_DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'sandbox.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # var/ is not in git: `python sandbox/manage.py migrate` must work on a fresh clone.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The server is threaded and the control endpoint writes while API calls read: WAL lets
    # readers proceed during a write, IMMEDIATE takes the write lock up front instead of
    # failing on a lock upgrade, and the timeout waits for it rather than erroring.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions live in process memory: they carry a freshly minted token value from the POST that
# created it to the page that shows it once, and that value must never reach the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
# Browsers share cookies between ports of one host: with Django's default names, opening the
# sandbox's pages at 127.0.0.1 would overwrite the app's session and CSRF cookies there and
# sign the administrator out of the app.
SESSION_COOKIE_NAME = "sandbox_sessionid"
CSRF_COOKIE_NAME = "sandbox_csrftoken"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"

# Where emulated Tempo objects point for Jira issues and users (docs/outside-apis.md §1). Empty
# (the default): this sandbox's own Jira (`<scheme>://<host>/jira` of the request), so the
# links resolve; set it to point them at another site.
SANDBOX_JIRA_SITE_URL = env.str("SANDBOX_JIRA_SITE_URL", default="").rstrip("/")

# The one Jira account the emulated Jira accepts (Basic auth). The token itself is not kept:
# only its SHA-256, which the check compares against.
SANDBOX_JIRA_EMAIL, _jira_api_token = credentials.configured()
SANDBOX_JIRA_API_TOKEN_SHA256 = credentials.token_hash(_jira_api_token)
del _jira_api_token
# A second, non-administrator Jira account (an agent): accepted by every Jira route, refused
# (403) by the admin-only ones such as registering webhooks (credentials.py).
SANDBOX_JIRA_AGENT_EMAIL, _jira_agent_api_token = credentials.configured_agent()
SANDBOX_JIRA_AGENT_API_TOKEN_SHA256 = credentials.token_hash(_jira_agent_api_token)
del _jira_agent_api_token
# `worklog/updated` and `/deleted` leave out changes younger than this, as Jira leaves out
# the last minute; tests of incremental syncs may set it to 0 to see their changes at once.
SANDBOX_JIRA_WORKLOG_CHANGES_DELAY = env.int("SANDBOX_JIRA_WORKLOG_CHANGES_DELAY", default=60)

# Tempo OAuth 2.0 (docs/outside-apis.md §2): how long an access token and an authorization code
# live. Tempo documents 60 days for the access token (`expires_in` 5184000) and only "short-lived"
# for the code (10 minutes assumed). The control endpoint (`/_sandbox/oauth/lifetimes`) overrides
# both at runtime, so tests can use 5-second tokens.
SANDBOX_TEMPO_OAUTH_ACCESS_SECONDS = env.int(
    "SANDBOX_TEMPO_OAUTH_ACCESS_SECONDS", default=5_184_000
)
SANDBOX_TEMPO_OAUTH_CODE_SECONDS = env.int("SANDBOX_TEMPO_OAUTH_CODE_SECONDS", default=600)
# oauthlib refuses plain-http URLs unless told otherwise. The sandbox only ever listens on
# loopback over http (tempo/oauth.py), so its OAuth server must accept them; the real Tempo is
# https only. This is the sandbox's own process: the app never reads this setting.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

# Webhooks (sandbox/webhooks/): the defaults of the sender's settings, which the control
# endpoint (`/_sandbox/webhooks/settings`) overrides at runtime. Tempo retries after 5 to 15
# minutes up to 10 times and waits 30 s for an answer ("Retry policy"); Jira retries up to 5
# times (assumed). The sandbox retries after 1 to 2 s by default, so tests need not wait, and
# waits 10 s for an answer (Tempo's 30 s through the variable when wanted).
SANDBOX_WEBHOOK_RETRY_DELAY_MIN = env.float("SANDBOX_WEBHOOK_RETRY_DELAY_MIN", default=1.0)
SANDBOX_WEBHOOK_RETRY_DELAY_MAX = env.float("SANDBOX_WEBHOOK_RETRY_DELAY_MAX", default=2.0)
SANDBOX_WEBHOOK_TEMPO_MAX_RETRIES = env.int("SANDBOX_WEBHOOK_TEMPO_MAX_RETRIES", default=10)
SANDBOX_WEBHOOK_JIRA_MAX_RETRIES = env.int("SANDBOX_WEBHOOK_JIRA_MAX_RETRIES", default=5)
SANDBOX_WEBHOOK_TIMEOUT = env.float("SANDBOX_WEBHOOK_TIMEOUT", default=10.0)
# How long the verification handshake of a new Tempo subscription may take (assumed).
SANDBOX_WEBHOOK_HANDSHAKE_TIMEOUT = env.float("SANDBOX_WEBHOOK_HANDSHAKE_TIMEOUT", default=10.0)
# Fixed values of Tempo's `Tempo-Jira-Client-Key` and `Tempo-Tenant-ID` delivery headers.
SANDBOX_TEMPO_JIRA_CLIENT_KEY = env.str(
    "SANDBOX_TEMPO_JIRA_CLIENT_KEY", default="sandbox-jira-client-key"
)
SANDBOX_TEMPO_TENANT_ID = env.str("SANDBOX_TEMPO_TENANT_ID", default="sandbox-tempo-tenant")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # Request lines only (runserver); 4xx warnings from django.request would add noise to the
    # log of a process whose job is to answer 401, 403 and 429 on purpose.
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
