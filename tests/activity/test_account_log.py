"""Changes to accounts are logged, through the pages, the API and the admin: one entry of no
event per change, with who made it (the person, or the super admin in the admin), never a
password, key or digest; a refused change logs nothing. Only the super admin reads them,
in the admin (``accounts.services.account_changed``, received by ``activity.apps``)."""

import io
import json

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import ApiToken, User
from activity.models import ActivityEntry
from tests.utils import PASSWORD

pytestmark = pytest.mark.django_db

Action = ActivityEntry.Action
NEW_PASSWORD = "another-horse-staple-7"


def entries(**filters):
    return list(ActivityEntry.objects.filter(**filters).order_by("id"))


def only_entry(action):
    found = entries(action=action)
    assert len(found) == 1, found
    entry = found[0]
    assert entry.event_id is None
    return entry


def text_of(entry):
    return json.dumps(
        [entry.actor_label, entry.object_repr, entry.changes, entry.event_label], default=str, ensure_ascii=False
    )


@pytest.fixture
def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def super_client(super_admin):
    client = Client(raise_request_exception=False)
    client.force_login(super_admin)
    return client


# --- the person's own changes -----------------------------------------------------------------


def test_signing_up_is_logged_as_the_new_account_s(client):
    data = {"email": "New.Person@example.com", "full_name": "New Person", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post(reverse("signup"), data).status_code == 302
    person = User.objects.get(email="new.person@example.com")
    entry = only_entry(Action.SIGNED_UP)
    assert (entry.actor, entry.object_id, entry.changes) == (person, person.pk, {"email": [None, person.email]})
    assert PASSWORD not in text_of(entry)
    assert person.password not in text_of(entry)
    # The same address again: no account, nothing logged (and the page says the same).
    assert client.post(reverse("signup"), data).status_code == 302
    assert len(entries()) == 1


def test_confirming_the_address_is_logged_once(make_user):
    person = make_user("unconfirmed@example.com", email_confirmed_at=None)
    client = Client()
    client.force_login(person)
    assert client.post(reverse("confirm_email", args=["not-a-token"])).status_code == 400
    assert entries() == []
    link = account_services.confirmation_path(person)
    assert client.post(link).status_code == 302
    entry = only_entry(Action.EMAIL_CONFIRMED)
    assert (entry.actor, entry.object_id) == (person, person.pk)
    client.post(link)  # already confirmed: no second entry
    assert len(entries()) == 1


def test_changing_one_s_password_is_logged_without_it(logged_in, user):
    url = reverse("password_change")
    wrong = {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert logged_in.post(url, wrong).status_code == 200
    assert entries() == []
    right = {**wrong, "old_password": PASSWORD}
    assert logged_in.post(url, right).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    entry = only_entry(Action.PASSWORD_CHANGED)
    assert (entry.actor, entry.object_id, entry.changes) == (user, user.pk, {})
    assert NEW_PASSWORD not in text_of(entry)
    assert user.password not in text_of(entry)


def test_a_password_reset_through_the_link_is_logged_with_the_address_it_confirms(make_user):
    person = make_user("forgetful@example.com", email_confirmed_at=None)
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    link = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(person)])
    form_url = client.get(link).url  # Django moves the token into the session
    mismatch = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    assert client.post(form_url, mismatch).status_code == 200
    assert entries() == []
    assert client.post(form_url, {**mismatch, "new_password2": NEW_PASSWORD}).status_code == 302
    reset, confirmed = entries()
    assert (reset.action, reset.actor, reset.object_id) == (Action.PASSWORD_RESET, person, person.pk)
    assert (confirmed.action, confirmed.actor) == (Action.EMAIL_CONFIRMED, person)
    assert NEW_PASSWORD not in text_of(reset)


def test_a_changed_name_on_the_profile_page_is_logged(logged_in, user):
    assert logged_in.post(reverse("profile"), {"full_name": "  Renamed Person "}).status_code == 302
    entry = only_entry(Action.UPDATED)
    assert (entry.actor, entry.changes) == (user, {"full_name": [user.full_name, "Renamed Person"]})
    logged_in.post(reverse("profile"), {"full_name": "Renamed Person"})  # no change: nothing logged
    assert len(entries()) == 1


def test_api_tokens_issued_and_revoked_are_logged_never_their_key(user):
    api = APIClient()
    url = "/api/v1/auth/token/"
    assert api.post(url, {"email": user.email, "password": "wrong"}, format="json").status_code == 400
    assert entries() == []
    key = api.post(url, {"email": user.email, "password": PASSWORD}, format="json").json()["token"]
    token = ApiToken.objects.get()
    issued = only_entry(Action.TOKEN_ISSUED)
    assert (issued.actor, issued.object_id) == (user, token.pk)
    assert key not in text_of(issued)
    assert token.digest not in text_of(issued)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete(url).status_code == 204
    revoked = only_entry(Action.TOKEN_REVOKED)
    assert (revoked.actor, revoked.object_id) == (user, token.pk)
    assert key not in text_of(revoked)
    assert token.digest not in text_of(revoked)


def test_logging_out_everywhere_from_a_session_is_one_entry(logged_in, user):
    api = APIClient()
    for _ in range(2):
        api.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    session_api = APIClient()
    session_api.force_authenticate(user)
    assert session_api.delete("/api/v1/auth/token/").status_code == 204
    entry = only_entry(Action.TOKEN_REVOKED)
    assert (entry.actor, entry.changes) == (user, {"count": [2, 0]})


# --- the super admin's changes in the admin -----------------------------------------------------


def account_form(user, **changes):
    return {
        "email": user.email,
        "full_name": user.full_name,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        **changes,
    }


def test_the_admin_s_change_of_an_address_is_logged_as_theirs(super_client, super_admin, user):
    change = reverse("admin:accounts_user_change", args=[user.pk])
    response = super_client.post(change, account_form(user, email="moved@example.com", is_admin="on"))
    assert response.status_code == 302
    entry = only_entry(Action.EMAIL_CHANGED)
    assert entry.actor == super_admin
    assert entry.object_id == user.pk
    assert entry.changes == {"email": ["someone@example.com", "moved@example.com"], "is_admin": [False, True]}


def test_an_admin_who_may_not_change_accounts_logs_nothing(make_user, user):
    admin = make_user("viewer@example.com", is_admin=True)
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    change = reverse("admin:accounts_user_change", args=[user.pk])
    assert client.post(change, account_form(user, email="moved@example.com")).status_code == 403
    assert entries() == []
    user.refresh_from_db()
    assert user.email == "someone@example.com"


def test_the_admin_s_new_account_and_deletion_are_logged_as_theirs(super_client, super_admin):
    data = {"email": "made@example.com", "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"}
    assert super_client.post(reverse("admin:accounts_user_add"), data).status_code == 302
    made = User.objects.get(email="made@example.com")
    created = only_entry(Action.CREATED)
    assert (created.actor, created.object_id) == (super_admin, made.pk)
    assert PASSWORD not in text_of(created)
    assert made.password not in text_of(created)
    delete = reverse("admin:accounts_user_delete", args=[made.pk])
    assert super_client.post(delete, {"post": "yes"}).status_code == 302
    deleted = only_entry(Action.DELETED)
    assert (deleted.actor, deleted.object_id, deleted.changes) == (super_admin, made.pk, {"email": [made.email, None]})


def test_the_admin_s_new_password_for_someone_is_logged_as_theirs(super_client, super_admin, user):
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x", "usable_password": "true"}
    assert super_client.post(url, data).status_code == 200
    assert entries() == []
    assert super_client.post(url, {**data, "password2": NEW_PASSWORD}).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    entry = only_entry(Action.PASSWORD_CHANGED)
    assert (entry.actor, entry.object_id) == (super_admin, user.pk)
    assert NEW_PASSWORD not in text_of(entry)


def test_the_admin_s_revocation_of_a_token_is_logged_as_theirs(super_client, super_admin, user):
    APIClient().post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    token = ApiToken.objects.get()
    delete = reverse("admin:accounts_apitoken_delete", args=[token.pk])
    assert super_client.post(delete, {"post": "yes"}).status_code == 302
    assert not ApiToken.objects.exists()
    entry = only_entry(Action.TOKEN_REVOKED)
    assert (entry.actor, entry.object_id) == (super_admin, token.pk)


def test_account_entries_are_read_by_the_super_admin_alone(super_client, make_user, user, logged_in):
    logged_in.post(reverse("profile"), {"full_name": "Seen By Few"})
    entry = only_entry(Action.UPDATED)
    page = reverse("admin:activity_activityentry_change", args=[entry.pk])
    assert super_client.get(page).status_code == 200
    assert "Seen By Few" in super_client.get(reverse("admin:activity_activityentry_changelist")).content.decode()
    admin = Client(raise_request_exception=False)
    admin.force_login(make_user("viewer@example.com", is_admin=True))
    assert admin.get(page).status_code == 403
    assert logged_in.get(page).status_code == 302  # not staff: the admin's log-in


def test_a_super_admin_made_by_the_command_is_logged_as_the_system_s(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperadmin", "--email", "root@example.com", stdout=io.StringIO())
    entry = only_entry(Action.CREATED)
    assert (entry.actor, entry.actor_label) == (None, "")
    assert entry.object_id == User.objects.get(email="root@example.com").pk
