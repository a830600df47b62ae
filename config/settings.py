"""Settings, read from the environment (and a ``.env`` file): see ``.env.example``.

Nothing here needs a service to be running: without ``DATABASE_URL`` the CRM runs on a SQLite file
in ``var/``, and without ``ASTERISK_DB_*`` Asterisk's realtime tables live in that same database
(the guide's Option A).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from config.secret_key import persistent_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


DEBUG = env.bool("DEBUG", default=False)
# Default: a development key generated once into var/secret_key (never a key committed to git).
SECRET_KEY = env.str("SECRET_KEY", default="") or persistent_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- HTTPS (production behind TLS; `manage.py check --deploy` passes with these set) -------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)


def _proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """``HTTP_X_FORWARDED_PROTO,https``: the header a TLS-terminating proxy sets, and its value."""
    if not value.strip():
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2 or not all(parts) or not parts[0].startswith("HTTP_"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER={value!r}: expected '<HTTP_HEADER_NAME>,<value>',"
            " e.g. HTTP_X_FORWARDED_PROTO,https"
        )
    return parts[0], parts[1]


# Only behind a proxy that always sets (or strips) this header: otherwise clients could claim HTTPS.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env.str("SECURE_PROXY_SSL_HEADER", default=""))

INSTALLED_APPS = [
    "daphne",  # `runserver` serves ASGI, so WebSockets (screen pop) work on the embedded default
    "config.admin.CrmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "crm",
    "voip",
    "voip.realtime",
    "voip.provisioning",
    "voip.calls",
    "voip.trunks",
    "voip.routes",
    "voip.pbx",
    "voip.reports",
    "voip.callcentre",
    "voip.webhooks",
    "voip.api",
    "voip.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "voip.audit.middleware.AuditContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

# --- Databases ------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}


def _asterisk_database() -> dict:
    """The realtime database: Option B when configured, else the default database (Option A)."""
    if env.str("ASTERISK_DATABASE_URL", default=""):
        return env.db("ASTERISK_DATABASE_URL")
    if env.str("ASTERISK_DB_NAME", default=""):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env.str("ASTERISK_DB_NAME"),
            "USER": env.str("ASTERISK_DB_USER", default=""),
            "PASSWORD": env.str("ASTERISK_DB_PASSWORD", default=""),
            "HOST": env.str("ASTERISK_DB_HOST", default="127.0.0.1"),
            "PORT": env.str("ASTERISK_DB_PORT", default="5432"),
        }
    # Option A: the same database under a second alias. Tests reuse default's test database.
    return {**DATABASES["default"], "TEST": {"MIRROR": "default"}}


DATABASES["asterisk"] = _asterisk_database()
# The call reports' covering index (calls migration 0005) has INCLUDE columns, a PostgreSQL
# feature; on SQLite it is built on its key columns alone and Django would warn at every start.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
DATABASE_ROUTERS = ["voip.realtime.router.RealtimeRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, i18n, static -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins (CRM login page and admin login alike): after AXES_FAILURE_LIMIT failures for one
# username from one address, that pair is refused, even with the right password, for the cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "crm:contact_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date/time format per language, used by CRM pages and the admin alike.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `collectstatic` fills it for production; the embedded default serves straight from the apps.
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

# --- Cache (rate limits, login throttling) and Channels (screen pop) ----------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # One cache for every process, so a rate limit counts all of a user's requests wherever served.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Embedded default: one server process, whose memory suffices.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
    # One cache for every process: click-to-call's rate limit and new passwords shown after a redirect.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Embedded default: the event listener runs inside the server process, so memory suffices.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "voip.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "voip.api.pagination.NewestFirstCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": [
        "voip.api.throttling.PerTokenRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api": env.str("API_RATE", default="600/min"),
        "click_to_call": env.str("API_CLICK_TO_CALL_RATE", default="10/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "django-asterisk-realtime API",
    "DESCRIPTION": "Contacts, calls, extensions and click-to-call of the CRM's telephony (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Asterisk ---------------------------------------------------------------------------------
VOIP_REALTIME_DB_ALIAS = "asterisk"
# Asterisk writes cdr times in the PBX's local time with no zone: this names that zone.
VOIP_PBX_TIME_ZONE = env.str("ASTERISK_TIME_ZONE", default=TIME_ZONE)
# Phone numbers typed without a country code are read in this region (ISO 3166 code).
VOIP_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="RU")

ASTERISK_AMI = {
    "AMI_HOST": env.str("ASTERISK_AMI_HOST", default="127.0.0.1"),
    "AMI_PORT": env.int("ASTERISK_AMI_PORT", default=5038),
    "AMI_USERNAME": env.str("ASTERISK_AMI_USERNAME", default="admin"),
    "AMI_SECRET": env.str("ASTERISK_AMI_SECRET", default=""),
    "AMI_AUTH": env.str("ASTERISK_AMI_AUTH", default="plain"),  # plain | md5
    "AMI_CONNECT_TIMEOUT": env.float("ASTERISK_AMI_CONNECT_TIMEOUT", default=5.0),
    "AMI_ACTION_TIMEOUT": env.float("ASTERISK_AMI_ACTION_TIMEOUT", default=10.0),
}

VOIP = [
    {
        "PROVIDER": "Asterisk",
        "BACKEND": "voip.backends.asteriskbackend.AsteriskRealtimeAPI",
        "OPTIONS": {
            **ASTERISK_AMI,
            "DB_ALIAS": VOIP_REALTIME_DB_ALIAS,
            # Context the agent's leg continues in when it dials out (click-to-call).
            "CONTEXT": env.str("ASTERISK_OUTBOUND_CONTEXT", default="from-internal"),
            "OUTBOUND_CONTEXT": env.str("ASTERISK_OUTBOUND_CONTEXT", default="from-internal"),
            "ORIGINATE_TIMEOUT": env.int("ASTERISK_ORIGINATE_TIMEOUT", default=30),
            # Empty: MixMonitor gets names relative to Asterisk's own monitor directory
            # (<astspooldir>/monitor). Set: the directory Asterisk writes recordings into, as Asterisk sees it.
            "RECORDINGS_DIR": env.str("ASTERISK_RECORDINGS_DIR", default=""),
        },
    },
]

VOIP_PROVISIONING = {
    # With it on, every new active user gets an extension (see voip.provisioning.signals).
    "AUTO_PROVISION": env.bool("VOIP_AUTO_PROVISION", default=False),
    # All extensions share one number space; users get numbers from this range.
    "USER_EXTENSION_RANGE": tuple(int(x) for x in env.str("VOIP_USER_EXTENSION_RANGE", default="1000-1999").split("-")),
    "TEST_EXTENSION_START": env.int("VOIP_TEST_EXTENSION_START", default=1000),
    "ENDPOINT_CONTEXT": env.str("ASTERISK_ENDPOINT_CONTEXT", default="from-internal"),
    # A disabled extension's endpoint is moved here: a softphone that still knows the password can
    # send an authenticated INVITE without registering, and this context refuses every call.
    "DISABLED_CONTEXT": env.str("ASTERISK_DISABLED_CONTEXT", default="crm-disabled"),
    # opus needs Asterisk's separately distributed codec_opus module: add it when you have it.
    "CODECS": env.list("ASTERISK_CODECS", default=["ulaw", "alaw", "g722"]),
    "ENDPOINT_TRANSPORT": env.str("ASTERISK_ENDPOINT_TRANSPORT", default="transport-udp"),
    "SIP_REALM": env.str("ASTERISK_SIP_REALM", default="asterisk"),
    # Off: store md5_cred only. On: also store the plaintext (auth_type=userpass).
    "STORE_PLAINTEXT_PASSWORDS": env.bool("ASTERISK_STORE_PLAINTEXT_PASSWORDS", default=False),
    "PASSWORD_LENGTH": env.int("ASTERISK_SIP_PASSWORD_LENGTH", default=20),
    "MAX_CONTACTS": env.int("ASTERISK_MAX_CONTACTS", default=1),
    "QUALIFY_FREQUENCY": env.int("ASTERISK_QUALIFY_FREQUENCY", default=60),
    # What softphones are told to connect to ("My phone" page).
    "SIP_SERVER": env.str("ASTERISK_SIP_SERVER", default="127.0.0.1"),
    "SIP_PORT": env.int("ASTERISK_SIP_PORT", default=5060),
    "TRANSPORT_BIND": env.str("ASTERISK_TRANSPORT_BIND", default="0.0.0.0:5060"),
    "ENABLE_WEBSOCKET_TRANSPORTS": env.bool("ASTERISK_ENABLE_WS", default=False),
}

# Written into the generated manager.conf / res_pgsql.conf (setup_asterisk_realtime --write-config).
VOIP_ASTERISK_CONFIG = {
    "AMI_BIND_ADDRESS": env.str("ASTERISK_AMI_BIND_ADDRESS", default="127.0.0.1"),
    "AMI_PERMIT": env.list("ASTERISK_AMI_PERMIT", default=["127.0.0.1/255.255.255.255"]),
    # How Asterisk reaches the realtime database (may differ from how Django does).
    "DB_HOST_FOR_ASTERISK": env.str("ASTERISK_DB_HOST_FOR_ASTERISK", default=""),
    # sorcery.conf puts res_sorcery_memory_cache in front of the realtime endpoint, aor and auth
    # wizards; the provisioning notifier then expires what each save changed (docs/provisioning.md).
    "SORCERY_MEMORY_CACHE": env.bool("ASTERISK_SORCERY_CACHE", default=False),
}

VOIP_CALLS = {
    # Where the CRM sees Asterisk's recordings (a shared mount); served only through a checked view.
    "RECORDINGS_ROOT": env.str("VOIP_RECORDINGS_ROOT", default=str(VAR_DIR / "recordings")),
    # How click-to-call dials a contact's number: as_typed | national | e164.
    "CLICK_TO_CALL_RATE": env.str("VOIP_CLICK_TO_CALL_RATE", default="10/m"),
    # "My phone" asks Asterisk live (one AMI login) on ?refresh=1: at most this often per user.
    "PHONE_REFRESH_RATE": env.str("VOIP_PHONE_REFRESH_RATE", default="6/m"),
    # Run the AMI event listener inside `runserver` (the embedded default) once an Asterisk is configured.
    "EMBEDDED_LISTENER": env.bool("VOIP_EMBEDDED_LISTENER", default=bool(ASTERISK_AMI["AMI_SECRET"])),
    # Events the listener holds in memory while the database is slow or down; at this many it
    # stops reading the AMI socket until half of them are written (see docs/calls.md).
    "LISTENER_QUEUE_MAX": env.int("VOIP_LISTENER_QUEUE_MAX", default=10_000),
    # Recordings older than this many days are deleted by `purge_recordings` (empty: kept forever);
    # per queue: {"support": 30} (docs/calls.md, "Recordings retention").
    "RECORDING_RETENTION_DAYS": env.int("VOIP_RECORDING_RETENTION_DAYS", default=None),
    "RECORDING_RETENTION_BY_QUEUE": env.dict("VOIP_RECORDING_RETENTION_BY_QUEUE", cast={"value": int}, default={}),
}

# Repeated SIP authentication failures from one address block it in PJSIP (voip.calls.sip_security).
VOIP_SIP_SECURITY = {
    "ENABLED": env.bool("VOIP_SIP_BLOCKING", default=True),
    "BLOCK_AFTER_FAILURES": env.int("VOIP_SIP_BLOCK_AFTER_FAILURES", default=10),
    "FAILURE_WINDOW": env.int("VOIP_SIP_FAILURE_WINDOW", default=60),  # seconds
    "BLOCK_SECONDS": env.int("VOIP_SIP_BLOCK_SECONDS", default=3600),
    # Never blocked, besides loopback, this machine, the AMI host and the trunks' identify matches.
    "NEVER_BLOCK": env.list("VOIP_SIP_NEVER_BLOCK", default=["127.0.0.0/8", "::1/128"]),
}

# Call reports: a queue's service level is the share of its calls answered within these seconds,
# when the queue's realtime row (queues.servicelevel) sets none. Per queue: "support=20,sales=30".
VOIP_REPORTS = {
    "SERVICE_LEVEL_SECONDS": env.int("VOIP_SERVICE_LEVEL_SECONDS", default=20),
    "QUEUE_SERVICE_LEVEL_SECONDS": env.dict("VOIP_QUEUE_SERVICE_LEVELS", cast={"value": int}, default={}),
}

# Everything goes to one console handler on the root logger. Django's own default config gives the
# "django" logger a console handler of its own (when DEBUG is on) that also propagates to the root,
# which printed every line twice: here that logger keeps no handler of its own.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"permission_denied_without_traceback": {"()": "config.log_filters.PermissionDeniedWithoutTraceback"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["permission_denied_without_traceback"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs every login at INFO; lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}
