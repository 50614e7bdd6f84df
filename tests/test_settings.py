"""Settings come from the environment; production settings pass `check --deploy`."""

import json
import subprocess
import sys

import pytest

from tests.utils import BASE_DIR

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "prod-" + "k3y!" * 16,
    "ALLOWED_HOSTS": "events.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://events.example.org",
    "HTTPS": "true",
    "DATABASE_URL": "sqlite:////tmp/eventdesk-deploy-check.sqlite3",
}

SHOW = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'db': s.DATABASES['default']['ENGINE'], "
    "'db_name': str(s.DATABASES['default']['NAME']), 'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
    "'hosts': s.ALLOWED_HOSTS, 'email': s.EMAIL_BACKEND, 'media': str(s.MEDIA_ROOT), "
    "'secure_cookies': s.SESSION_COOKIE_SECURE, "
    "'no_server_side_cursors': s.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False), "
    "'db_options': s.DATABASES['default'].get('OPTIONS', {})}))"
)


def settings_under(env):
    clean = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    out = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_defaults_are_embedded():
    shown = settings_under({})
    assert shown["debug"] is False
    assert shown["db"] == "django.db.backends.sqlite3"
    assert shown["db_name"] == str(BASE_DIR / "db.sqlite3")
    assert shown["layer"] == "channels.layers.InMemoryChannelLayer"
    assert shown["email"] == "core.mail.FramedConsoleEmailBackend"  # the console, framed
    assert shown["secure_cookies"] is False


def test_environment_switches_engines():
    shown = settings_under(
        {
            "DEBUG": "true",
            "DATABASE_URL": "postgres://u:p@db.internal:5432/eventdesk",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "ALLOWED_HOSTS": "a.example,b.example",
            "EMAIL_URL": "smtp://mail.internal:25",
            "MEDIA_ROOT": "/srv/media",
        }
    )
    assert shown["debug"] is True
    assert shown["db"] == "django.db.backends.postgresql"
    assert shown["db_name"] == "eventdesk"
    assert shown["layer"].startswith("channels_redis.")
    assert shown["hosts"] == ["a.example", "b.example"]
    assert shown["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert shown["media"] == "/srv/media"


def test_pgbouncer_in_transaction_pooling_mode_gets_no_server_side_cursors():
    postgres = "postgres://u:p@127.0.0.1:6432/eventdesk"
    direct = settings_under({"DATABASE_URL": postgres})
    assert direct["no_server_side_cursors"] is False
    assert direct["db_options"] == {"options": "-c timezone=UTC"}

    pooled = settings_under({"DATABASE_URL": postgres, "DATABASE_POOLER": "pgbouncer"})
    assert pooled["no_server_side_cursors"] is True
    # PgBouncer 1.18 (Debian 12) refuses the `options` startup parameter; its ini sets UTC.
    assert pooled["db_options"] == {}

    other_pooler = settings_under({"DATABASE_URL": postgres, "DISABLE_SERVER_SIDE_CURSORS": "true"})
    assert other_pooler["no_server_side_cursors"] is True
    assert other_pooler["db_options"] == {"options": "-c timezone=UTC"}


def check_deploy(env):
    """``manage.py check --deploy`` (warnings fail) in the environment ``env``."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_in_production():
    result = check_deploy(PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_catches_development_defaults():
    result = check_deploy({"DEBUG": "true"})
    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout  # DEBUG on


# --- where uploads live (config.storage) ------------------------------------------------------

STORAGE_SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "from django.core.files.storage import storages; d = storages['default']; "
    "print(json.dumps({'backend': f'{type(d).__module__}.{type(d).__name__}', "
    "'url': d.url('events/backgrounds/a.png'), "
    "'img_src': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], "
    "'overwrites': getattr(d, 'file_overwrite', False)}))"
)
S3_KEYS = {"S3_ACCESS_KEY_ID": "AKIAEXAMPLE", "S3_SECRET_ACCESS_KEY": "example-secret"}


def storage_under(env):
    clean = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    out = subprocess.run([sys.executable, "-c", STORAGE_SHOW], cwd=BASE_DIR, env=clean, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_uploads_are_on_the_local_disk_by_default():
    shown = storage_under({"MEDIA_ROOT": "/srv/media"})
    assert shown["backend"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert shown["url"] == "/media/events/backgrounds/a.png"
    assert shown["img_src"] == ["'self'", "data:", "blob:"]


@pytest.mark.parametrize(
    ("env", "origin"),
    [
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "ed-media"}, "https://ed-media.s3.amazonaws.com"),
        ({"S3_BUCKET": "ed-media", "S3_REGION": "eu-central-1"}, "https://ed-media.s3.amazonaws.com"),
        ({"S3_BUCKET": "ed-media", "S3_ENDPOINT_URL": "http://minio.internal:9000"}, "http://minio.internal:9000"),
        (
            {
                "S3_BUCKET": "ed-media",
                "S3_ENDPOINT_URL": "https://s3.example.net",
                "S3_CUSTOM_DOMAIN": "media.example.org",
            },
            "https://media.example.org",
        ),
    ],
)
def test_an_s3_bucket_makes_uploads_go_to_the_object_store(env, origin):
    """An S3-compatible store is a setting; its plain (unsigned) URLs are the ones pages
    show, and the Content-Security-Policy lets browsers load images from it."""
    shown = storage_under({**env, **S3_KEYS})
    assert shown["backend"] == "storages.backends.s3.S3Storage"
    assert shown["url"].startswith(f"{origin}/")
    assert shown["url"].endswith("events/backgrounds/a.png")
    assert "?" not in shown["url"]  # not signed: the same URL in every page and cache
    assert origin in shown["img_src"]
    assert shown["overwrites"] is False  # a name in use gets another, as on disk


def test_an_unknown_storage_backend_is_refused():
    out = subprocess.run(
        [sys.executable, "-c", STORAGE_SHOW],
        cwd=BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "STORAGE_BACKEND": "ftp"},
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "STORAGE_BACKEND must be 'filesystem' or 's3'" in out.stderr


def test_check_deploy_is_clean_with_uploads_in_an_object_store():
    result = check_deploy({**PRODUCTION_ENV, "S3_BUCKET": "ed-media", **S3_KEYS})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
