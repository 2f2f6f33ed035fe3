"""Settings. Everything that differs between machines comes from the environment.

GTI_DATA_DIR   folder for the SQLite database and local secrets (default: ./var)
DATABASE_URL   e.g. postgresql://user:pass@host/db or sqlite:////abs/path/db.sqlite3
GTI_SECRET_KEY required when GTI_DEBUG is off and the site is not on loopback only
GTI_DEBUG      1 to show debug pages (never in production)
GTI_ALLOWED_HOSTS  comma-separated host names (default: 127.0.0.1,localhost)
GTI_HTTPS      1 behind an HTTPS web server: HSTS, HTTPS redirect, secure cookies
GTI_REQUIRE_2FA  0 to let the money roles in without a second factor (local demo only; default 1)
GTI_API_KEY_DAYS days an API key lives (default 90)
GTI_PROXIES    reverse proxies in front of the site whose X-Forwarded-For is trusted (nginx: 1)
GTI_SITE_URL   the site's address, for links in e-mails and calendars (default: http://localhost:8000)
GTI_REMINDER_DAYS  days before a deadline that a reminder goes out (default: 14,3)
GTI_REPORT_DUE_DAYS  days after a report period's end that the report is due (default: 30)
GTI_OPENDATA_LICENSE  the address of the open-data licence (default: Flemish free reuse v1.0)
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
import plotly

from gti.storage import storages


def _flag(name: str, default: str = "") -> bool:
    return os.environ.get(name, default).lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("GTI_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = _flag("GTI_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("GTI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]


def _local_secret_key() -> str:
    """A key made once per data folder, so local use needs no set-up and no key is in the repo."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("GTI_SECRET_KEY") or _local_secret_key()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "gti",
    "gti.accounts",
    "gti.strategy",
    "gti.proposals",
    "gti.portfolio",
    "gti.monitoring",
    "gti.documents",
    "gti.opendata",
    "gti.participation",
    "gti.notifications",
    "gti.budgeting",
    "django_tasks_db",
]

MIDDLEWARE = [
    "gti.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An ETag on every answer that has none, and 304 to a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    "gti.middleware.ApiCachingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "gti.middleware.ApiLanguageMiddleware",
    "gti.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "gti.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "gti.accounts.middleware.RequestIdMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it sees the login view's answer (counts failures, shows the lock-out page).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gti.urls"
WSGI_APPLICATION = "gti.wsgi.application"

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
                "gti.context_processors.site",
                "gti.notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'gti.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Concurrent writers wait for each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Dutch first: the cities work in Dutch; English is complete.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Brussels"
USE_TZ = True

# Background tasks (exports, reports as PDF): kept in the database and run by `gti db_worker`,
# which `make run` starts beside the web server; no other server is needed.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Uploaded files (evidence of progress reports). Never served as static files: only through
# the views that check who may read them; no MEDIA_URL on purpose.
MEDIA_ROOT = DATA_DIR / "files"
# The local file system by default; GTI_STORAGE=s3 an S3-compatible store (gti/storage.py).
STORAGES = storages(os.environ)
# Documents on dossiers (gti.documents): the largest file, and what one dossier holds in all.
GTI_DOCUMENT_MAX_BYTES = int(os.environ.get("GTI_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024))
GTI_DOSSIER_MAX_BYTES = int(os.environ.get("GTI_DOSSIER_MAX_BYTES", 100 * 1024 * 1024))

STATIC_URL = "static/"
# plotly.js for the dashboards, served from the installed plotly package (no CDN).
STATICFILES_DIRS = [("plotly", Path(plotly.__file__).parent / "package_data")]
STATIC_ROOT = DATA_DIR / "static"  # filled by `gti collectstatic` for a real web server
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Every asset is served by the app itself (no CDN): closed city networks and test machines.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 9 * 3600  # one working day
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if _flag("GTI_HTTPS"):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the proxy's own check comes in plain HTTP
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Joining the browsers' preload list binds every subdomain of the city's domain for good:
    # that is the domain owner's decision, made outside this app.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Everything comes from this site: no inline or foreign scripts. Style attributes stay allowed
# (bar widths in charts, Swagger UI); style sheets come from this site only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login protection: a lock-out after repeated failures (per user name and address), and a second
# factor (TOTP) for the roles that decide on money.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gti.accounts.views.locked_out"
AXES_VERBOSE = False
GTI_REQUIRE_2FA = _flag("GTI_REQUIRE_2FA", "1")
OTP_TOTP_ISSUER = "GTI Platform"

# The API: keys expire; anonymous callers and each key have a rate limit.
GTI_API_KEY_DAYS = int(os.environ.get("GTI_API_KEY_DAYS", "90"))
GTI_API_RATE_ANONYMOUS = os.environ.get("GTI_API_RATE_ANONYMOUS", "60/min")
GTI_API_RATE_KEY = os.environ.get("GTI_API_RATE_KEY", "600/min")
# The public consultation's posts (e-mail links, letter codes, supports, comments) per address.
GTI_CONSULTATION_RATE = os.environ.get("GTI_CONSULTATION_RATE", "20/min")
# The reverse proxies in front of the site (nginx: 1): the client's address is read from
# X-Forwarded-For by `gti.middleware.ClientAddressMiddleware` only then; ninja never reads it.
GTI_PROXIES = int(os.environ.get("GTI_PROXIES", "0"))
# The licence of the published lists of operations (its address), named in their DCAT-AP
# description: the Flemish model licence for free reuse by default.
GTI_OPENDATA_LICENSE = os.environ.get(
    "GTI_OPENDATA_LICENSE",
    "https://data.vlaanderen.be/id/licentie/modellicentie-gratis-hergebruik/v1.0",
)
NINJA_NUM_PROXIES = 0

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "strategy:home"

# Notifications: links in e-mails and calendar feeds are absolute; reminders go out these many
# days before each deadline (`gti deadlines remind`); a progress report is due this many days
# after its period ends.
GTI_SITE_URL = os.environ.get("GTI_SITE_URL", "http://localhost:8000")
GTI_REMINDER_DAYS = sorted(
    {int(d) for d in os.environ.get("GTI_REMINDER_DAYS", "14,3").split(",") if d.strip()}
)
GTI_REPORT_DUE_DAYS = int(os.environ.get("GTI_REPORT_DUE_DAYS", "30"))

# E-mail (invitations, notifications): printed on the console unless GTI_EMAIL_HOST names an
# SMTP server (GTI_EMAIL_PORT, GTI_EMAIL_USER, GTI_EMAIL_PASSWORD, GTI_EMAIL_TLS, GTI_EMAIL_FROM).
from django import VERSION as DJANGO_VERSION  # noqa: E402

_smtp = {
    "host": os.environ.get("GTI_EMAIL_HOST", ""),
    "port": int(os.environ.get("GTI_EMAIL_PORT", "587")),
    "username": os.environ.get("GTI_EMAIL_USER", ""),
    "password": os.environ.get("GTI_EMAIL_PASSWORD", ""),
    "use_tls": os.environ.get("GTI_EMAIL_TLS", "1") in {"1", "true", "yes"},
}
_mail_backend = "django.core.mail.backends." + ("smtp" if _smtp["host"] else "console")
DEFAULT_FROM_EMAIL = os.environ.get("GTI_EMAIL_FROM", "gti@localhost")
if DJANGO_VERSION >= (6, 1):
    MAILERS = {
        "default": {
            "BACKEND": _mail_backend + ".EmailBackend",
            "OPTIONS": _smtp if _smtp["host"] else {},
        }
    }
else:  # Django 5.2 / 6.0 know only the settings that MAILERS replaces
    EMAIL_BACKEND = _mail_backend + ".EmailBackend"
    EMAIL_HOST, EMAIL_PORT = _smtp["host"] or "localhost", _smtp["port"]
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _smtp["username"], _smtp["password"]
    EMAIL_USE_TLS = _smtp["use_tls"]
