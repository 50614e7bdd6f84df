"""Eventdesk settings: one module, every value from the environment (12-factor).

Defaults are for a developer's machine: SQLite in the project folder, the in-memory
channel layer, e-mail printed to the console. Production sets the variables listed in
README.md ("Environment") and in ``deploy/production.env.example``.
"""

import os
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.storage import default_storage_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# Only for development and tests; production must set its own (check --deploy tells).
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-eventdesk-development-key-not-for-production")
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])  # old keys, while rotating
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",  # first: its runserver serves HTTP and websockets
    # Django's admin on a site that keeps every model admin away from secret fields.
    "core.admin_app.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "core",  # shared plumbing, below every domain app
    "accounts",
    "activity",  # the activity log, below every app that writes it
    "events",
    "tickets",
    "orders",  # attendees' orders of tickets, above tickets
    "permissions",
    "notifications",
    "demo",  # demo data (seed_demo), on top of every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # No database connection to be had, or a required cache down: 503 + Retry-After.
    "core.unavailable.ServiceUnavailableMiddleware",
    # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # A NUL anywhere in a request (path, query, headers, cookies, form fields): 400 before
    # the session, the user or any query (core.middleware).
    "core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every request starts in django-scopes' scope with no event: a query of a per-event
    # model raises until the request enters its event (core.request_scope).
    "core.request_scope.ScopeMiddleware",
    # Lets a password change keep the session that made it (accounts.sessions).
    "accounts.sessions.current_request_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A conflict (core.errors.Conflict) no page caught: 409 with its message (core.middleware).
    "core.middleware.ConflictMiddleware",
]
BENCH_QUERY_COUNT = env.bool("BENCH_QUERY_COUNT", default=False)
if BENCH_QUERY_COUNT:
    # bench/public_sync.py only: X-Query-Count and X-Answer on every answer.
    MIDDLEWARE.insert(0, "core.api.public.QueryCountMiddleware")

# Background tasks (Django's Tasks API, the django-tasks backport on 5.2): slow work (e-mails,
# notification fan-out, order expiry) is a task row written in the same transaction as the
# change it follows, run by a worker (`manage.py db_worker`). The backend is a setting: a
# deployment that outgrows one database-backed queue names another (RQ, Celery) here.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# /healthz reports the queue (ready tasks, the oldest one's wait); past this many seconds
# of waiting it answers 503 (no worker running, or too few). None: never.
EVENTDESK_QUEUE_MAX_AGE = env.int("EVENTDESK_QUEUE_MAX_AGE", default=None)

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
                "notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# DATABASE_POOLER=pgbouncer: DATABASE_URL names a PgBouncer in transaction pooling mode
# (deploy/pgbouncer.ini), where one server connection serves one transaction, then another
# client. Server-side cursors (QuerySet.iterator()) outlive a transaction, so Django must
# not use them there (its docs, "Transaction pooling and server-side cursors").
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or 'pgbouncer', not {DATABASE_POOLER!r}")
if env.bool("DISABLE_SERVER_SIDE_CURSORS", default=DATABASE_POOLER == "pgbouncer"):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOLER != "pgbouncer":
    # Sessions start in UTC, as Django wants them (USE_TZ); otherwise it sends SET TIME ZONE
    # on every new connection, and under daphne every request opens one (bench/README.md).
    # Not through PgBouncer: before 1.20 it refuses the `options` startup parameter;
    # deploy/pgbouncer.ini opens its server connections in UTC instead.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c timezone=UTC")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that live-server tests (daphne in a subprocess) share it;
    # one per test process, so that several runs on one machine never meet.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str(
            "TEST_SQLITE_PATH", default=str(Path(tempfile.gettempdir()) / f"eventdesk-test-{os.getpid()}.sqlite3")
        )
    }
    # Concurrent writers wait for each other instead of failing with "database is
    # locked": every transaction takes the write lock when it starts (IMMEDIATE; a
    # deferred one that reads, then writes, cannot wait and fails at once), waits up to
    # 20 s for it (the busy timeout), and in WAL mode readers never wait for a writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels -----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Prefix of every Redis key (channel layer and cache): keeps installations, or test
# runs, that share one Redis apart.
REDIS_KEY_PREFIX = env.str("CHANNEL_LAYER_PREFIX", default="eventdesk")
# The Pub/Sub layer: lower latency, measured in bench/notify_fanout.py (bench/README.md).
CHANNEL_LAYER_BACKEND = env.str("CHANNEL_LAYER_BACKEND", default="channels_redis.pubsub.RedisPubSubChannelLayer")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKEND,
            # A Redis that does not answer costs a second, not a hung request.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_connect_timeout": 1}], "prefix": REDIS_KEY_PREFIX},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Cache (log-in attempt counts) ----------------------------------------------------
if REDIS_URL:
    CACHES = {
        "default": {
            # core.cache.RedisCache: Django's cache API on redis-py, one Redis client per server;
            # Redis down, a miss (and short socket timeouts: core.cache.DEFAULT_OPTIONS).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# The event, as the apps below events (permissions' roles and invitations, the activity
# log) refer to it: by this setting, as every app refers to the user, not by events' label.
EVENTDESK_EVENT_MODEL = "events.Event"
# Django's log-in and model permissions, then the event permissions (user.has_perm(
# "eventdesk.track.create", event), user.can_create(...): permissions.backends).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "permissions.backends.EventPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "events:mine"
LOGOUT_REDIRECT_URL = "home"
# Log-in attempts (page and API token) per client address; see accounts.throttling.
EVENTDESK_LOGIN_RATE = env.str("EVENTDESK_LOGIN_RATE", default="10/min")
# Sign-ups per client address, counted the same way (accounts.throttling).
EVENTDESK_SIGNUP_RATE = env.str("EVENTDESK_SIGNUP_RATE", default="20/hour")
# Orders (orders.services): orders per client address and per account (orders.throttling),
# how long a pending order holds its seats before it expires, and the seats one buyer
# (e-mail address, account, client address) may hold unpaid in one event at once.
EVENTDESK_ORDER_RATE = env.str("EVENTDESK_ORDER_RATE", default="30/min")
EVENTDESK_ORDER_HOLD_MINUTES = env.int("EVENTDESK_ORDER_HOLD_MINUTES", default=30)
EVENTDESK_MAX_HELD_SEATS = env.int("EVENTDESK_MAX_HELD_SEATS", default=20)
# E-mails to addresses nobody has proven to own (order confirmations, sign-up
# confirmations): at most this many per recipient per hour (core.mail.may_send).
EVENTDESK_MAIL_PER_RECIPIENT_HOUR = env.int("EVENTDESK_MAIL_PER_RECIPIENT_HOUR", default=3)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- I18N ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")  # with STORAGE_BACKEND=filesystem
# Uploaded files: the local disk (or a shared volume) by default, an S3-compatible store
# with STORAGE_BACKEND=s3 / S3_BUCKET (config.storage). Code reaches them only through
# the storage API, so this is the one place that says where they are.
_media_storage, MEDIA_ORIGINS = default_storage_from_env(env)
STORAGES = {
    "default": _media_storage,
    # Production uses ManifestStaticFilesStorage: hashed names that nginx caches for long.
    "staticfiles": {
        "BACKEND": env.str("STATICFILES_BACKEND", default="django.contrib.staticfiles.storage.StaticFilesStorage")
    },
}
# Serve /static/ and /media/ from the ASGI app itself (development, browser tests).
# Production leaves both to nginx.
SERVE_FILES = env.bool("SERVE_FILES", default=DEBUG)

# --- E-mail -------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F821 (set just above)
    EMAIL_BACKEND = "core.mail.FramedConsoleEmailBackend"  # e-mails stand out among the log lines
# Seconds a worker waits for the mail server (each connect, read, write): Django's default
# is for ever, and a server that accepts and never answers would hold the worker, and
# every task queued behind the e-mail, until it is restarted. Given up: logged (core.outbox).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# Where the site is (https://events.example.org), for links in e-mails sent without a
# request at hand (a session moved from the API, the admin or a command).
SITE_URL = env.str("SITE_URL", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Eventdesk <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -----------------------------------------------------------------------
# HTTPS=true in production: cookies only over TLS, redirect to https, HSTS.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes speak plain HTTP on loopback
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
# Behind nginx: trust its X-Forwarded-Proto (nginx sets it, overwriting the client's),
# so request.is_secure() and redirects know the scheme the browser used.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
    USE_X_FORWARDED_PORT = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp), on every answer: scripts, styles, fonts and
# everything else only from this site; no inline script, no style attribute, no
# plugin, no framing, forms post only here. Images may also be data: URIs (Bootstrap's
# CSS draws its checkboxes and select arrows with them) and blob: URLs (the wizard's
# cropper shows the picked file from one, before anything is uploaded), and from the object
# store that holds the uploads, if any (MEDIA_ORIGINS). 'self' covers the site's own
# websockets (ws:/wss: of the same host) in connect-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *MEDIA_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Upload limits (background images, speaker photos, sponsor logos; see events.images).
# 12 million pixels: the banner crop is at most 2400×1200, and a decode of the largest
# image allowed stays near 50 MB (at most events.images.MAX_DECODES at once).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=15 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=15 * 1024 * 1024)
# The wizard's tickets page sends about 13 fields per ticket (up to tickets.forms.MAX_TICKETS).
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=10_000)
EVENTDESK_IMAGE_MAX_BYTES = env.int("EVENTDESK_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
EVENTDESK_IMAGE_MAX_SIDE = env.int("EVENTDESK_IMAGE_MAX_SIDE", default=8000)
EVENTDESK_IMAGE_MAX_PIXELS = env.int("EVENTDESK_IMAGE_MAX_PIXELS", default=12_000_000)

# --- REST framework -----------------------------------------------------------------
REST_FRAMEWORK = {
    # Behind nginx the client's address is the last X-Forwarded-For entry, else the socket's
    # (never None: DRF would then count the whole header, which the client writes).
    # Our own throttle asks accounts.throttling.client_address, which says the same.
    "NUM_PROXIES": 1 if BEHIND_PROXY else 0,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes "not logged in" a 401.
        # API tokens stored hashed (accounts.tokens; DRF's authtoken kept keys in clear).
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ErrorDocumentingAutoSchema",  # + error answers, ETags
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only (at most DATA_UPLOAD_MAX_MEMORY_SIZE); the rest in core/api/:
    # every list paginated (?page=, ?page_size= up to 500), errors as JSON 4xx.
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],  # DRF's, with a nesting limit
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Eventdesk API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our pinned copy (static/vendor/README.md), never a CDN.
    "SWAGGER_UI_DIST": STATIC_URL + "vendor/swagger-ui-5.33.1",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "vendor/swagger-ui-5.33.1/favicon-32x32.png",
    # No call to swagger.io's online validator: the docs page talks to this server only.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,  # read-only fields stay out of request bodies
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "quiet_websockets": {"()": "config.logging.QuietWebsockets"},
        "channel_layer_outage": {"()": "config.logging.ChannelLayerOutage"},
        "chosen_503s": {"()": "config.logging.Chosen503s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default gives "django" a console handler of its own under DEBUG: with
        # the root's, every line printed twice. One handler, the root's.
        "django": {"handlers": [], "propagate": True},
        # The development server (daphne's runserver): no line per websocket connect.
        "django.channels.server": {"filters": ["quiet_websockets"]},
        # Redis out of reach: one warning, not a traceback a second (config.logging).
        "channels_redis.pubsub": {"filters": ["channel_layer_outage"]},
        # A 503 is an answer the code chose (an outage logged once where it was met):
        # not Django's "Service Unavailable" line for every request (config.logging).
        "django.request": {"filters": ["chosen_503s"]},
    },
}
EVENTDESK_INVITE_DAYS = env.int("EVENTDESK_INVITE_DAYS", default=7)
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
