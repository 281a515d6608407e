"""Tandem settings: every value comes from an environment variable (see .env.example)."""

from __future__ import annotations

import sys
import warnings
import zoneinfo
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from tandem.env import (
    cache_config,
    database_config,
    email_config,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent

DEBUG = env_bool("DEBUG", False)
DATA_DIR = env_path("TANDEM_DATA_DIR", PROJECT_DIR / "var")
# The SQLite database, generated secret and collected static files live here: make sure it
# exists, so that a fresh clone (or a new deployment) needs no manual mkdir.
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105
    warnings.warn(
        "DEBUG is on and SECRET_KEY is not set: Tandem runs with a publicly known development "
        "key, so sessions, password-reset links and tokens can be forged. Never expose this "
        "server; set SECRET_KEY and DEBUG=false for any real use.",
        RuntimeWarning,
        stacklevel=1,
    )
    sys.stderr.write(
        "\n*** WARNING: DEBUG is on and SECRET_KEY is unset: a publicly known key is in use. "
        "Do not expose this server. ***\n\n"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    # Before allauth, so that Tandem's templates override allauth's layout (core) and its
    # account pages (accounts/templates/account/).
    "tandem.core",
    "tandem.accounts",
    "allauth",
    "allauth.account",
    "django_htmx",
    "django_tasks_db",
    "ninja",
    "tandem.programs",
    "tandem.enrolment",
    "tandem.matches",
    "tandem.mentoring",
    "tandem.growth",
    "tandem.notifications",
    "tandem.api",
    # Last, so that tandem.core's copies of Django's form templates (which escape help text)
    # win over Django's own.
    "django.forms",
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads a URL argument or a field: NUL in text is refused (400, named).
    "tandem.core.middleware.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "tandem.programs.middleware.TenancyMiddleware",
    "tandem.accounts.middleware.LoginThrottleMiddleware",
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"
ASGI_APPLICATION = "tandem.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.programs.context_processors.tenancy",
                "tandem.notifications.context_processors.unread",
            ],
            "builtins": ["django.templatetags.static"],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tandem.sqlite3'}")
DATABASES = {"default": database_config(DATABASE_URL)}
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):
    # A file, not memory, so that a real worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every server process: log-in throttling and allauth's rate limits count here.
# The database cache by default (its table comes with the migrations); Redis with CACHE_URL.
CACHES = {"default": cache_config(env_str("CACHE_URL", ""))}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail login, sign-up by invitation only, verified e-mail addresses.
ACCOUNT_ADAPTER = "tandem.programs.signup.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_SIGNUP_FORM_CLASS = "tandem.programs.signup.SignupForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tandem] "
# allauth's own failed-login limit locks a named account out, right password included: Tandem's
# throttle (tandem.accounts.throttle, also in front of /admin/login/) replaces it.
ACCOUNT_RATE_LIMITS = {"login_failed": None}

# Log-in throttling (see tandem/accounts/throttle.py and docs/security.md).
LOGIN_THROTTLE_WINDOW = env_int("LOGIN_THROTTLE_WINDOW", 900, minimum=60)
LOGIN_THROTTLE_IP_FAILURES = env_int("LOGIN_THROTTLE_IP_FAILURES", 20, minimum=1)
LOGIN_THROTTLE_ACCOUNT_FAILURES = env_int("LOGIN_THROTTLE_ACCOUNT_FAILURES", 5, minimum=1)
# The client address: X-Forwarded-For is believed only from these proxies (see core/clients.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

TIME_ZONE = env_str("TIME_ZONE", "UTC")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not an IANA time zone name.")
USE_TZ = True
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en-us")
USE_I18N = True

STATIC_URL = "/static/"
STATIC_ROOT = env_path("STATIC_ROOT", DATA_DIR / "static")
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
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

MAILERS = {"default": email_config(env_str("EMAIL_URL", "console://"))}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tandem <tandem@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
#: With DEBUG on, the console e-mail backend keeps a copy of each message here, listed by the
#: local inbox page (/dev/inbox/). See tandem/core/mail.py.
TANDEM_DEV_INBOX = env_path("TANDEM_DEV_INBOX", DATA_DIR / "dev-inbox")

TASKS = {
    "default": {
        "BACKEND": env_str("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

#: Periodic tasks (dotted path → every how many seconds), enqueued by the scheduler each
#: ``tandem worker`` runs; each slot is enqueued once however many workers run.
TANDEM_PERIODIC_TASKS = {
    "tandem.mentoring.tasks.sweep_reminders": 60,
    "tandem.mentoring.tasks.set_due_assignments": 15 * 60,
    "tandem.mentoring.tasks.refresh_due_activity": 60 * 60,
    "tandem.mentoring.tasks.sweep_message_emails": 5 * 60,
    "tandem.mentoring.tasks.sweep_match_confirmations": 60 * 60,
    "tandem.core.tasks.sweep_dead_workers": 60,
    "tandem.matches.tasks.sweep_stopped_runs": 60,
    "tandem.enrolment.tasks.sweep_stopped_imports": 60,
    "tandem.notifications.tasks.sweep_pending_emails": 60,
}

#: A worker (and each long run or import it works on) renews its lease every few seconds; one
#: not renewed for this many seconds belongs to a worker that died, and the sweeps above mark
#: its work failed (runs, imports, task rows) or hand it out again (e-mails). See
#: docs/deployment.md, "When a worker dies".
TANDEM_WORKER_LEASE = env_int("TANDEM_WORKER_LEASE", 120, minimum=2)
#: A notification e-mail still pending this many seconds after it was handed to a worker is
#: handed out again by the e-mail sweep (the worker died, or its queue was lost).
TANDEM_EMAIL_RETRY_AFTER = env_int("TANDEM_EMAIL_RETRY_AFTER", 10 * 60, minimum=1)

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=300)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Scripts and styles from this site only: no inline <script>, style="…" or on…= handler in any
# template (htmx's own indicator <style> is turned off in base.html and lives in tandem.css).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
}
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only: redirect plain HTTP and tell browsers never to use it (HSTS). On by default when
# the cookies are secure (SECURE_COOKIES=true), i.e. the site is served over HTTPS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 31_536_000 if SESSION_COOKIE_SECURE else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# /healthz answers plain HTTP, so that a load balancer's probe on the private side works.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

INVITATION_VALID_DAYS = env_int("TANDEM_INVITATION_DAYS", 14, minimum=1)

# Participant imports (CSV/XLSX): files larger than TANDEM_IMPORT_INLINE_BYTES are read by the
# worker, never inside a web request; past any other limit a file is refused, the limit named.
TANDEM_IMPORT_MAX_BYTES = env_int("TANDEM_IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
TANDEM_IMPORT_INLINE_BYTES = env_int("TANDEM_IMPORT_INLINE_BYTES", 1024 * 1024, minimum=0)
TANDEM_IMPORT_MAX_ROWS = env_int("TANDEM_IMPORT_MAX_ROWS", 250_000, minimum=1)
TANDEM_IMPORT_MAX_COLUMNS = env_int("TANDEM_IMPORT_MAX_COLUMNS", 200, minimum=3)
TANDEM_IMPORT_MAX_CELL_CHARS = env_int("TANDEM_IMPORT_MAX_CELL_CHARS", 10_000, minimum=100)
#: A workbook is a zip: refused before parsing when it unzips to more than this many bytes, or
#: when a large part of it is compressed more than this many to one (a "zip bomb").
TANDEM_IMPORT_MAX_UNZIPPED_BYTES = env_int(
    "TANDEM_IMPORT_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024, minimum=1024
)
TANDEM_IMPORT_MAX_COMPRESSION_RATIO = env_int("TANDEM_IMPORT_MAX_COMPRESSION_RATIO", 100, minimum=2)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
