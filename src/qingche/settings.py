"""Django settings for Qingche.

Everything that differs between machines comes from the environment:
DATABASE_URL (SQLite under var/ by default), QINGCHE_SECRET_KEY, QINGCHE_FIELD_KEY,
QINGCHE_DEBUG, QINGCHE_ALLOWED_HOSTS, QINGCHE_VAR_DIR. Keys that are not given are generated
once into the var directory, so a fresh machine starts without any set-up.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from qingche.core.keys import load_key

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("QINGCHE_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("QINGCHE_DEBUG", "") == "1"
# Keys from the environment or var/; a missing one is made anew only for a database without data made with
# it (core/keys.py: otherwise Qingche refuses to start at its first connection).
SECRET_KEY = load_key("SECRET_KEY", os.environ, VAR_DIR)
# Fernet key for personal data at rest, and a separate key for the lookup hashes.
FIELD_ENCRYPTION_KEY = load_key("FIELD_ENCRYPTION_KEY", os.environ, VAR_DIR)
FIELD_HASH_KEY = load_key("FIELD_HASH_KEY", os.environ, VAR_DIR)

ALLOWED_HOSTS = os.environ.get("QINGCHE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [origin for origin in os.environ.get("QINGCHE_CSRF_TRUSTED_ORIGINS", "").split(",") if origin]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "qingche.core",
    "qingche.org",
    "qingche.demo",
]

# Qingche's modules, in dependency order. Each may have urls.py (pages, mounted at /<label>/),
# api_urls.py (`routes` for /api/v1/) and demo.py (`build(ctx)`, called by `qingche demo` in this
# order). Adding a module is one line here.
QINGCHE_MODULES = [
    "qingche.org",
    "qingche.duties",
    "qingche.burden",
    "qingche.tasks",
    "qingche.service",
    "qingche.appraisal",
    "qingche.surveys",
    "qingche.people",  # its demo flags overload from burden indexes that tasks and service load
    "qingche.accountability",  # after duties (the items a case involves) and appraisal (its indicator source)
]
INSTALLED_APPS += [module for module in QINGCHE_MODULES if module not in INSTALLED_APPS]

MIDDLEWARE = [
    "qingche.core.middleware.TrustedProxySchemeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qingche.core.middleware.RequestContextMiddleware",
    "qingche.core.middleware.SessionMiddleware",  # Django's, but never saved on the anonymous 直通车
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "qingche.core.middleware.AccountDutiesMiddleware",
    "qingche.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "qingche.core.health.DatabaseAwayMiddleware",  # last: the first to see a view's database error
]

ROOT_URLCONF = "qingche.urls"
WSGI_APPLICATION = "qingche.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qingche.core.menu.menu_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'qingche.sqlite3'}",
        conn_max_age=int(os.environ.get("QINGCHE_CONN_MAX_AGE", "60")),
        # A kept connection the server has closed (a restart, a fail-over) is replaced before a request uses it.
        conn_health_checks=True,
    )
}
# The owner role that migrations run as (`qingche serve --migrate`, `qingche demo`), when the role of
# DATABASE_URL is a runtime role that owns nothing (core/dbroles.py, docs/operator-guide.md §3).
MIGRATE_DATABASE_URL = os.environ.get("QINGCHE_MIGRATE_DATABASE_URL", "")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers and one writer work at once; several app processes can share the file. synchronous=FULL:
    # what was acknowledged to a citizen (a request number) survives a power cut, not only a crash.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# The cache holds short-lived counters (flood limits of the public pages) and nothing else. Several server
# processes must share it: QINGCHE_REDIS_URL (e.g. redis://127.0.0.1:6379/0) selects Redis; without it each
# process has its own, which is right for one process (tests, a laptop) only.
REDIS_URL = os.environ.get("QINGCHE_REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "qingche",
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Background work (large imports) goes through the tasks framework into the database; `qingche serve`
# keeps one `task_worker` running next to the web workers, woken when a task is queued (docs/operator-guide.md §9).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "qingche.org.auth.RoleGrantBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "qingche.core.passwords.CharacterClassValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# Idle sessions end after 30 minutes; every request renews the clock, except those to the anonymous
# 直通车 (core.anonymous), which must leave no trace of the cadre who sent a report: there the session is
# neither saved nor its cookie sent (core.middleware.SessionMiddleware).
SESSION_COOKIE_AGE = int(os.environ.get("QINGCHE_SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Served over HTTPS (QINGCHE_HTTPS=1; QINGCHE_SECURE_COOKIES=1 is the older name): cookies only over
# HTTPS, and HSTS. Behind a reverse proxy, its X-Forwarded-Proto is believed only from
# QINGCHE_TRUSTED_PROXIES (core.middleware.TrustedProxySchemeMiddleware; no SECURE_PROXY_SSL_HEADER).
HTTPS = "1" in (os.environ.get("QINGCHE_HTTPS", ""), os.environ.get("QINGCHE_SECURE_COOKIES", ""))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("QINGCHE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("QINGCHE_HSTS_SUBDOMAINS", "") == "1"
SECURE_SSL_REDIRECT = HTTPS and os.environ.get("QINGCHE_SSL_REDIRECT", "") == "1"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes from the machine itself speak plain HTTP
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles from this server only, no inline script
# (pages hand data to their scripts in json_script elements). Inline style attributes stay allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Second factor (django-otp): the superuser and the three administrators (core.otp).
OTP_TOTP_ISSUER = os.environ.get("QINGCHE_OTP_ISSUER", "Qingche")


def trusted_proxies(environ) -> list[str]:
    """The reverse proxies whose X-Real-IP is believed (core.middleware.client_ip): QINGCHE_TRUSTED_PROXIES,
    or else the addresses gunicorn already trusts for X-Forwarded-Proto (QINGCHE_FORWARDED_ALLOW_IPS, whose
    default is gunicorn's), so that the operator guide's set-up sees the real clients."""
    value = environ.get("QINGCHE_TRUSTED_PROXIES") or environ.get("QINGCHE_FORWARDED_ALLOW_IPS") or "127.0.0.1"
    return [entry.strip() for entry in value.split(",") if entry.strip()]


QINGCHE_TRUSTED_PROXIES = trusted_proxies(os.environ)
# Lockout counts a user name at one address and an address over every name, each against its own limit
# (core.lockout; docs/operator-guide.md §10).
AXES_FAILURE_LIMIT = int(os.environ.get("QINGCHE_LOGIN_FAILURE_LIMIT", "5"))
QINGCHE_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("QINGCHE_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "qingche.core.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "qingche.core.middleware.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "qingche.core.views.lockout_response"
AXES_VERBOSE = False
# A user name that is not an account is kept only as a keyed hash (core.signals.axes_username), and
# never in the form data axes copies.
AXES_USERNAME_CALLABLE = "qingche.core.signals.axes_username"
AXES_SENSITIVE_PARAMETERS = ["username", "otp"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"  # filled by collectstatic; made here so that a run before it warns of nothing
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
QINGCHE_MAX_UPLOAD_BYTES = int(os.environ.get("QINGCHE_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
QINGCHE_MAX_IMPORT_BYTES = int(os.environ.get("QINGCHE_MAX_IMPORT_BYTES", str(200 * 1024 * 1024)))

# Office hours for the working-day calendar (local time).
QINGCHE_OFFICE_HOURS = os.environ.get("QINGCHE_OFFICE_HOURS", "08:30-12:00,14:00-17:30")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "qingche.core.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "qingche.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "qingche.core.api.exception_handler",
}
# /api/schema/ and /api/docs/ need a log-in unless the operator opens them to everyone.
QINGCHE_PUBLIC_API_DOCS = os.environ.get("QINGCHE_PUBLIC_API_DOCS", "") == "1"
SPECTACULAR_SETTINGS = {
    "TITLE": "Qingche API",
    "DESCRIPTION": "轻车 — units, people, roles and the modules built on them.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},  # no call to an online validator
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets called "person category" (a person's, an appraisal scheme's) must not share one name.
    "ENUM_NAME_OVERRIDES": {
        "PersonCategoryEnum": "qingche.org.models.Person.Category",
        "SchemePersonCategoryEnum": "qingche.appraisal.models.PersonCategory",
        "VerdictEnum": "qingche.tasks.models.Admission.Verdict",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "qingche.core.api.declare_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("QINGCHE_LOG_LEVEL", "WARNING")},
    # The audit chain's daily anchor (core.audit.append) is always written, whatever the level.
    "loggers": {"qingche.audit": {"level": "INFO"}},
}

QINGCHE_MODULE_TITLE = _("Qingche")
