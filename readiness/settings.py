"""Readiness settings: every knob is an environment variable, read and checked here."""

import datetime as dt
import ipaddress
import os
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from readiness.sso_config import sign_on_from

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str) -> str:
    raw = env_str(name)
    if raw:
        parts = urlsplit(raw)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ImproperlyConfigured(f"{name}={raw!r} is not an http(s) URL.")
    return raw.rstrip("/")


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG off, list the host names this site answers to, "
        "comma-separated (for example ALLOWED_HOSTS=readiness.example.com)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Base URL of the repository that evidence paths such as `docs/compliance/...` live in.
# When set, repository paths are shown as links to it.
REPOSITORY_URL = env_url("REPOSITORY_URL")

# The site's public address, for links in e-mails (e.g. https://readiness.example.com).
# In development, links point at `make run`'s server.
SITE_URL = env_url("SITE_URL") or ("http://127.0.0.1:8000" if DEBUG else "")

# How long an e-mailed sign-off link stays usable, in seconds (three days by default).
SIGNOFF_LINK_MAX_AGE = env_int("SIGNOFF_LINK_MAX_AGE", 3 * 24 * 3600)

# E-mail (Django 6.1's MAILERS): the console in development, SMTP otherwise.
_email_backend = env_str("EMAIL_BACKEND", "console" if DEBUG else "smtp")
_email_tls, _email_ssl = env_bool("EMAIL_USE_TLS", False), env_bool("EMAIL_USE_SSL", False)
if _email_backend not in {"console", "smtp"}:
    raise ImproperlyConfigured(f"EMAIL_BACKEND={_email_backend!r} is not 'console' or 'smtp'.")
if _email_tls and _email_ssl:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
if _email_backend == "console":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": _email_tls,
                "use_ssl": _email_ssl,
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "readiness@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work (e-mails, webhook deliveries) through Django's Tasks framework.
# `immediate` runs a task in the web process right after the commit: nothing more to run,
# for `make run`. `database` (django-tasks-db) queues it in the database for the
# `db_worker` command, so no request waits on a mail server or a webhook receiver: the
# production choice, and docker-compose's. A dotted path names any other backend.
TASKS_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_tasks_backend = env_str("TASKS_BACKEND", "immediate")
if "." not in _tasks_backend and _tasks_backend not in TASKS_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={_tasks_backend!r} is not 'immediate', 'database' or a dotted path."
    )
TASKS = {"default": {"BACKEND": TASKS_BACKENDS.get(_tasks_backend, _tasks_backend)}}
# Seconds a webhook receiver has to answer before the attempt counts as failed.
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 5)
if not 1 <= WEBHOOK_TIMEOUT <= 60:
    raise ImproperlyConfigured(f"WEBHOOK_TIMEOUT={WEBHOOK_TIMEOUT} must be 1 to 60 seconds.")

# Private networks (CIDR, comma-separated) that webhook receivers may use, for receivers on
# the company's own network. Every other loopback, private, link-local, multicast or
# reserved address is refused.
try:
    WEBHOOK_ALLOWED_NETWORKS = [
        ipaddress.ip_network(item, strict=False)
        for item in env_list("WEBHOOK_ALLOWED_NETWORKS", [])
    ]
except ValueError as exc:
    raise ImproperlyConfigured(f"WEBHOOK_ALLOWED_NETWORKS: {exc}") from None

# The API's rate limits (django-ninja throttles): requests per caller, and wrong tokens per
# address before that address must wait. "N/s", "N/min", "N/h" or "N/day".
API_RATE = env_str("API_RATE", "600/min")
API_WRONG_TOKEN_RATE = env_str("API_WRONG_TOKEN_RATE", "10/min")
for _name, _rate in (("API_RATE", API_RATE), ("API_WRONG_TOKEN_RATE", API_WRONG_TOKEN_RATE)):
    _count, _slash, _period = _rate.partition("/")
    if not (_count.isdigit() and int(_count) > 0 and _period[:1] in {"s", "m", "h", "d"}):
        raise ImproperlyConfigured(f"{_name}={_rate!r} is not a rate such as 600/min.")

# The cache holds the API's throttle counts. `locmem` counts per process; `database` (a
# table made by `manage.py createcachetable`) shares the counts between every web process.
_cache = env_str("CACHE_BACKEND", "locmem")
if _cache not in {"locmem", "database"}:
    raise ImproperlyConfigured(f"CACHE_BACKEND={_cache!r} is not 'locmem' or 'database'.")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "readiness_cache"}
        if _cache == "database"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "readiness"}
    )
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "readiness",
    # Single sign-on (below): always installed, so its tables exist whether or not an
    # identity provider is configured.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "readiness.middleware.UserLanguageMiddleware",
    "readiness.middleware.UserTimeZoneMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "readiness.middleware.SessionTimeoutMiddleware",
    "readiness.middleware.PrivateCacheMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "readiness.urls"
WSGI_APPLICATION = "readiness.wsgi.application"

TEMPLATES = [
    {
        # Django's engine, each `{% translate %}` of a literal remembered per language.
        "BACKEND": "readiness.template_engine.DjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# Django's form renderer, with its everyday widgets drawn in Python to the same HTML
# (readiness/forms/renderer.py): a meeting's page shows dozens of forms.
FORM_RENDERER = "readiness.forms.renderer.FormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Parameters bound by the server, so that a connection keeps the queries it runs
    # often prepared: PostgreSQL then plans a page's dozen joins once per connection
    # instead of on every request (psycopg prepares a query on its fifth run; Django
    # turns that off by default). Off behind a pooler that cannot carry prepared
    # statements from one transaction to the next (PgBouncer in transaction mode before
    # 1.21). See docs/architecture.md.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database serves a few people at once: write-ahead logging lets readers
    # and one writer work together, and a write waits its turn instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory, for tests: the browser tests' server threads then each get their
    # own connection instead of sharing one in-memory database's table locks.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Single sign-on through OpenID Connect (django-allauth), configured by OIDC_ISSUER,
# OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_NAME (the button's name), OIDC_GROUPS_CLAIM
# (default `groups`) and OIDC_GROUP_ROLES (group=team:role[:area], comma-separated).
# PASSWORD_LOGIN=0 leaves only the identity provider. Unset, nothing changes. See the
# README's "Single sign-on" and docs/single-sign-on.md.
SIGN_ON = sign_on_from(os.environ)
PASSWORD_LOGIN = SIGN_ON.password_login
SOCIALACCOUNT_PROVIDERS = SIGN_ON.allauth_providers()
SOCIALACCOUNT_ADAPTER = "readiness.sso.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
# Logins are matched to an identity by readiness.sso's own rule, not allauth's.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
if not 1 <= SOCIALACCOUNT_REQUESTS_TIMEOUT <= 60:
    raise ImproperlyConfigured(f"OIDC_TIMEOUT={SOCIALACCOUNT_REQUESTS_TIMEOUT} must be 1 to 60.")
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "readiness.sso.AccountAdapter"

AUTHENTICATION_BACKENDS = [
    # Refuses a login while its username and address are locked out, before any password
    # is checked, so a guessed password gives nothing away during the cool-off.
    "axes.backends.AxesStandaloneBackend",
    # With PASSWORD_LOGIN=0, one that keeps sessions and permissions and accepts no
    # password anywhere, the admin's login included.
    "django.contrib.auth.backends.ModelBackend"
    if PASSWORD_LOGIN
    else "readiness.sso.NoPasswordBackend",
]
# Login throttling: after AXES_FAILURE_LIMIT wrong passwords for one username from one
# address, that pair waits AXES_COOLOFF_MINUTES. The answer is the same whether or not the
# username exists. An administrator unlocks early from the admin (Axes > Access attempts)
# or with `manage.py axes_reset_username USERNAME`.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
if not 1 <= AXES_FAILURE_LIMIT <= 100:
    raise ImproperlyConfigured(f"AXES_FAILURE_LIMIT={AXES_FAILURE_LIMIT} must be 1 to 100.")
_cooloff = env_int("AXES_COOLOFF_MINUTES", 15)
if not 1 <= _cooloff <= 24 * 60:
    raise ImproperlyConfigured(f"AXES_COOLOFF_MINUTES={_cooloff} must be 1 to 1440 minutes.")
AXES_COOLOFF_TIME = dt.timedelta(minutes=_cooloff)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "readiness.views.accounts.login_locked_out"
# The access log would write a row on every successful login; failures are what matter.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Sessions end after SESSION_IDLE_MINUTES without activity (the live view's polling does
# not count as activity) and, whatever the activity, SESSION_MAX_AGE_HOURS after login.
SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 8 * 60))
SESSION_MAX_AGE = dt.timedelta(hours=env_int("SESSION_MAX_AGE_HOURS", 14 * 24))
if not dt.timedelta(minutes=5) <= SESSION_IDLE_TIMEOUT <= SESSION_MAX_AGE:
    raise ImproperlyConfigured(
        "SESSION_IDLE_MINUTES must be at least 5 and no longer than SESSION_MAX_AGE_HOURS."
    )
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE.total_seconds())

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: English source strings, Brazilian Portuguese translation.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pt-br", _("Brazilian Portuguese"))]
LOCALE_PATHS = [BASE_DIR / "readiness" / "locale"]
# Dates and times as each language writes them, over Django's own (readiness/timefmt.py).
FORMAT_MODULE_PATH = ["readiness.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "America/Sao_Paulo")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"TIME_ZONE={TIME_ZONE!r} is not an IANA time zone name such as America/Sao_Paulo."
    ) from None

# Static files: served by whitenoise, hashed and compressed outside development.
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
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

# Security. Production defaults pass `manage.py check --deploy`; each can be relaxed by
# its variable (for example SECURE_SSL_REDIRECT=0 behind a proxy that already redirects).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    # The sign-in button's POST is redirected to the identity provider.
    "form-action": [CSP.SELF, *([SIGN_ON.origin] if SIGN_ON.enabled else [])],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs: one JSON object per line on standard output, for any log collector.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} is not a logging level.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "readiness.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        # Failed logins and lockouts are warnings; its routine bookkeeping is not news.
        "axes": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}
