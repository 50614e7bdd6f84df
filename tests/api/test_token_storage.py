"""API tokens are stored hashed: the key is in the answer that makes it, and nowhere
else, to anyone, the database included. Tokens made before (DRF's ``authtoken`` kept
each key in clear, as its primary key) keep working after the migration, which leaves
no key behind.

The second attack read the super admin's key out of the admin; with the key stored
nowhere, there is nothing left to read, wherever one looks."""

import hashlib
import secrets
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import models as account_models
from tests.utils import PASSWORD

URL = "/api/v1/auth/token/"


def stored_values():
    """Every value of every column of every row of every model's table, as text."""
    for model in apps.get_models(include_auto_created=True):
        columns = [field.attname for field in model._meta.concrete_fields]
        for row in model._base_manager.values_list(*columns):
            for value in row:
                if value is not None:
                    yield str(value)


def get_token(user):
    answer = APIClient().post(URL, {"email": user.email, "password": PASSWORD}, format="json")
    assert answer.status_code == 200
    return answer.json()["token"]


def works(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/events/").status_code == 200


@pytest.mark.django_db
def test_the_key_is_stored_nowhere(user):
    key = get_token(user)
    assert works(key)
    assert not [value for value in stored_values() if key in value or key[:12] in value]
    # What is stored is its digest: the key cannot be read back from it.
    assert account_models.ApiToken.objects.get(user=user).digest == hashlib.sha256(key.encode()).hexdigest()


@pytest.mark.django_db
def test_the_key_is_shown_once_then_never_again(user, make_user):
    key = get_token(user)
    super_admin = make_user("super@example.com", is_super_admin=True)
    client = Client()
    client.force_login(super_admin)
    token = account_models.ApiToken.objects.get(user=user)
    for url in (
        "/admin/accounts/apitoken/",
        f"/admin/accounts/apitoken/{token.pk}/change/",
        f"/admin/accounts/apitoken/{token.pk}/delete/",
        f"/admin/accounts/user/{user.pk}/change/",
        f"/admin/accounts/user/{user.pk}/delete/",
    ):
        body = client.get(url).content.decode()
        assert key not in body, url
        assert token.digest not in body, url
        assert token.digest[:12] not in body, url
    # Logging in again makes another token; the first is not given again.
    assert get_token(user) != key
    # A token is the owner's word for the API only: nothing reads it back.
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    for path in ("/api/v1/events/", "/api/v1/notifications/"):
        assert key not in owner.get(path).content.decode()


@pytest.mark.django_db
def test_a_user_holds_a_bounded_number_of_tokens(user, settings):
    settings.EVENTDESK_LOGIN_RATE = "1000/min"
    keys = [get_token(user) for _ in range(account_models.ApiToken.MAX_PER_USER + 2)]
    assert account_models.ApiToken.objects.filter(user=user).count() == account_models.ApiToken.MAX_PER_USER
    assert not works(keys[0])
    assert not works(keys[1])
    assert works(keys[2])
    assert works(keys[-1])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Token ",
        "Token",
        "Token a b",
        "Token " + "0" * 40,
        "Token " + "f" * 5000,
        "Token " + hashlib.sha256(b"x").hexdigest(),
        "Token %",
        "Token ' OR 1=1 --",
        "Token \u00e9\u00e9\u00e9",
    ],
)
def test_bad_keys_are_401(user, header):
    get_token(user)
    digest = account_models.ApiToken.objects.get().digest
    client = APIClient()
    for value in (header, f"Token {digest}"):  # the digest itself is no key
        answer = client.get("/api/v1/events/", HTTP_AUTHORIZATION=value)
        assert answer.status_code == 401, value
        assert answer["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_an_inactive_users_token_is_refused(user):
    key = get_token(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)  # no signal: the check itself
    assert not works(key)


@pytest.mark.django_db(transaction=True)
def test_drf_tokens_made_before_keep_working_and_leave_no_key():
    """The migration hashes the keys of DRF's table (as an installation that ran DRF's
    ``authtoken`` has it) into ``accounts.ApiToken``, then drops that table."""
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0001_initial")])
    old_apps = executor.loader.project_state([("accounts", "0001_initial")]).apps
    OldUser = old_apps.get_model("accounts", "User")
    owner = OldUser.objects.create(email="old@example.com", password="x")
    other = OldUser.objects.create(email="other@example.com", password="x")
    keys = {owner.pk: secrets.token_hex(20), other.pk: secrets.token_hex(20)}
    with connection.schema_editor() as editor:
        editor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) NOT NULL PRIMARY KEY, "
            f"created {connection.data_types['DateTimeField']} NOT NULL, user_id bigint NOT NULL UNIQUE)"
        )
    created = timezone.now() - timedelta(days=30)
    with connection.cursor() as cursor:
        for user_id, key in keys.items():
            cursor.execute(
                "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                [key, connection.ops.adapt_datetimefield_value(created), user_id],
            )
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
            ["authtoken", "0001_initial", connection.ops.adapt_datetimefield_value(timezone.now())],
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert "authtoken_token" not in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = %s", ["authtoken"])
        assert cursor.fetchone()[0] == 0
    for user_id, key in keys.items():
        token = account_models.ApiToken.objects.get(user_id=user_id)
        assert token.digest == hashlib.sha256(key.encode()).hexdigest()
        assert abs((token.created - created).total_seconds()) < 1
        assert works(key)
    assert not [value for value in stored_values() if any(key in value for key in keys.values())]
    # Revoked with the user's new password, as before.
    user = get_user_model().objects.get(pk=owner.pk)
    user.set_password("a new password 7")
    user.save()
    assert not works(keys[owner.pk])
    assert works(keys[other.pk])


@pytest.mark.django_db
def test_deactivating_a_user_revokes_every_token(user, make_user, django_capture_on_commit_callbacks):
    keys = [get_token(user), get_token(user)]
    other = get_token(make_user())
    with django_capture_on_commit_callbacks(execute=True):
        user.is_active = False
        user.save()
    assert not account_models.ApiToken.objects.filter(user=user).exists()
    assert not any(works(key) for key in keys)
    assert works(other)
