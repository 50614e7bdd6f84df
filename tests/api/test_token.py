"""``/api/v1/auth/token/``: e-mail and password for a token; DELETE revokes it. Requests
authenticate by token, or by session with CSRF. Tokens are stored hashed: the key is in
the answer that makes it and nowhere else (tests/api/test_token_storage.py)."""

from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.utils import PASSWORD

URL = "/api/v1/auth/token/"


def test_a_token_for_an_email_and_password(user):
    answer = APIClient().post(URL, {"email": "SOMEONE@example.com", "password": PASSWORD}, format="json")
    assert answer.status_code == 200
    token = answer.json()["token"]
    assert len(token) == 40
    assert ApiToken.objects.get().user == user
    assert "no-store" in answer["Cache-Control"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/events/").status_code == 200
    # Asked again, a new token (the first cannot be read back): one per device, both work.
    again = APIClient().post(URL, {"email": user.email, "password": PASSWORD}, format="json")
    second = again.json()["token"]
    assert second != token
    assert ApiToken.objects.filter(user=user).count() == 2
    for key in (token, second):
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/v1/events/").status_code == 200


def test_wrong_credentials_and_bad_bodies(user, make_user):
    inactive = make_user(is_active=False)
    for body in (
        {"email": user.email, "password": "wrong"},
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": inactive.email, "password": PASSWORD},
    ):
        answer = APIClient().post(URL, body, format="json")
        assert answer.status_code == 400
        assert answer.json() == {"non_field_errors": ["Unable to log in with this e-mail address and password."]}
    for body in ({}, {"email": "not an address", "password": "x"}, {"email": user.email, "password": 5}):
        assert APIClient().post(URL, body, format="json").status_code == 400
    assert not ApiToken.objects.exists()


def test_delete_revokes_the_token(user):
    token = APIClient().post(URL, {"email": user.email, "password": PASSWORD}, format="json").json()["token"]
    other_device = APIClient().post(URL, {"email": user.email, "password": PASSWORD}, format="json").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.delete(URL).status_code == 204
    assert ApiToken.objects.count() == 1  # the one it was sent with
    assert client.get("/api/v1/events/").status_code == 401
    assert APIClient().delete(URL).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {other_device}")
    assert client.get("/api/v1/events/").status_code == 200


def test_delete_with_a_session_revokes_every_token(user, make_user):
    someone_else = make_user()
    keys = [APIClient().post(URL, {"email": user.email, "password": PASSWORD}, format="json").json()["token"]]
    keys.append(APIClient().post(URL, {"email": user.email, "password": PASSWORD}, format="json").json()["token"])
    APIClient().post(URL, {"email": someone_else.email, "password": PASSWORD}, format="json")
    client = Client()
    client.force_login(user)
    assert client.delete(URL).status_code == 204
    assert not ApiToken.objects.filter(user=user).exists()
    assert ApiToken.objects.filter(user=someone_else).count() == 1
    for key in keys:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/v1/events/").status_code == 401


def test_an_invalid_token_is_401_with_the_scheme_named(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    answer = client.get("/api/v1/events/")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Token"


def test_a_session_works_too_with_csrf_for_writes(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/events/").status_code == 200
    refused = client.post("/api/v1/events/", {"name": "X"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
