"""No secret in the Django admin: API token keys, password hashes, sessions and invitation
tokens are seen by nobody but their owner, whoever reads the admin (an admin, who reads
everything, or the super admin, who may revoke a token but never read its key)."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.tokens import issue_token
from permissions import services as permission_services
from permissions.models import RoleInvite
from tests.utils import PASSWORD

pytestmark = pytest.mark.django_db

#: Fields that hold a secret, by name, wherever they are.
SECRET_FIELDS = {"password", "key", "token", "digest", "session_key", "session_data"}
#: The keys of the API tokens made here (stored nowhere: only their digests are).
KEYS = {}


def secrets():
    """Every secret stored now, and the pieces of each that would give it away."""
    found = set()
    found.update(KEYS.values())
    for digest in ApiToken.objects.values_list("digest", flat=True):
        found.update({digest, digest[:12]})
    for encoded in User.objects.values_list("password", flat=True):
        found.add(encoded)
        *_, salt, digest = encoded.split("$")
        found.update({salt[:6], digest[:6]})  # what Django's masked summary would show
    for session_key in Session.objects.values_list("session_key", flat=True):
        found.add(session_key)
    for invite in RoleInvite.objects.all():
        found.update({invite.token, permission_services.invite_link(invite)})
    return found


def assert_no_secret(response, where):
    body = response.content.decode()
    leaked = sorted(secret for secret in secrets() if secret in body)
    assert not leaked, f"{where} shows a secret: {leaked}"


@pytest.fixture
def people(make_user, event, organizer):
    """An admin, the super admin and an ordinary user, each with an API token and a
    session; an invitation pending."""
    admin_user = make_user("admin@example.com", is_admin=True)
    super_admin = make_user("super@example.com", is_super_admin=True)
    KEYS.clear()
    for person in (admin_user, super_admin, organizer):
        KEYS[person.pk] = issue_token(person)[1]
        Client().force_login(person)  # a session row of their own
    permission_services.invite_to_role(event, "newcomer@example.com", "moderator", organizer)
    return {"admin": admin_user, "super_admin": super_admin, "organizer": organizer}


def logged_in(person):
    client = Client()
    client.force_login(person)
    return client


def admin_urls():
    """Every page of every registered model: its list, and each row's change, history
    and delete pages."""
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        yield reverse(f"{prefix}_changelist")
        yield reverse(f"{prefix}_add")
        for obj in model._default_manager.all()[:5]:
            for view in ("change", "history", "delete"):
                yield reverse(f"{prefix}_{view}", args=[quote(obj.pk)])


@pytest.mark.parametrize("who", ["admin", "super_admin"])
def test_no_admin_page_shows_a_secret(people, who):
    client = logged_in(people[who])
    urls = [reverse("admin:index"), *admin_urls()]
    for person in people.values():
        urls.append(reverse("admin:auth_user_password_change", args=[person.pk]))
    assert any("/apitoken/" in url for url in urls)
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403), url
        assert_no_secret(response, url)


def test_the_super_admins_token_is_not_readable_by_an_admin(people):
    client = logged_in(people["admin"])
    response = client.get("/admin/accounts/apitoken/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "super@example.com" in body  # who has a token is no secret; the key is
    key = KEYS[people["super_admin"].pk]
    token = ApiToken.objects.get(user=people["super_admin"])
    assert key not in body
    assert token.digest not in body
    change = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert change.status_code == 200
    assert key not in change.content.decode()
    assert token.digest not in change.content.decode()


def test_the_super_admin_revokes_a_token_without_reading_it(people):
    organizer = people["organizer"]
    key = KEYS[organizer.pk]
    client = logged_in(people["super_admin"])
    url = reverse("admin:accounts_apitoken_delete", args=[ApiToken.objects.get(user=organizer).pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert key not in confirm.content.decode()
    done = client.post(url, {"post": "yes"}, follow=True)
    assert done.status_code == 200
    assert not ApiToken.objects.filter(user=organizer).exists()
    assert key not in done.content.decode()
    # Nor later, in the admin's record of what was done.
    assert key not in client.get(reverse("admin:index")).content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/events/").status_code == 401


def test_an_admin_may_not_revoke_a_token(people):
    organizer = people["organizer"]
    client = logged_in(people["admin"])
    token = ApiToken.objects.get(user=organizer)
    response = client.post(reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("who", ["admin", "super_admin"])
def test_nobody_makes_or_changes_tokens_in_the_admin(people, who):
    # A new token's key would be shown once made; tokens are the owner's, made through the API.
    client = logged_in(people[who])
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    target = people["organizer"]
    token = ApiToken.objects.get(user=target)
    response = client.post(reverse("admin:accounts_apitoken_change", args=[token.pk]), {"user": people[who].pk})
    assert response.status_code == 403
    assert ApiToken.objects.get(pk=token.pk).user == target


def test_deleting_a_user_does_not_show_their_token(people):
    client = logged_in(people["super_admin"])
    organizer = people["organizer"]
    response = client.get(reverse("admin:accounts_user_delete", args=[organizer.pk]))
    assert response.status_code == 200
    assert "API token" in response.content.decode()  # the page still says it goes too
    assert_no_secret(response, "the user's delete page")


def secret_lookups():
    """``?<secret field>__startswith=…`` on every registered model that has one: a filter
    the changelist would answer row by row, giving the secret away a character at a time."""
    for model in admin.site._registry:
        opts = model._meta
        for field in opts.get_fields():
            if field.name in SECRET_FIELDS and field.concrete:
                yield f"admin:{opts.app_label}_{opts.model_name}_changelist", f"{field.name}__startswith"
            if field.is_relation and field.concrete and field.related_model is User:
                yield f"admin:{opts.app_label}_{opts.model_name}_changelist", f"{field.name}__password__startswith"


@pytest.mark.parametrize("who", ["admin", "super_admin"])
def test_no_secret_can_be_guessed_through_the_lists_filters(people, who):
    client = logged_in(people[who])
    lookups = list(secret_lookups())
    assert ("admin:accounts_user_changelist", "password__startswith") in lookups
    assert ("admin:accounts_apitoken_changelist", "digest__startswith") in lookups
    assert ("admin:permissions_roleinvite_changelist", "token__startswith") in lookups
    for url_name, lookup in lookups:
        response = client.get(reverse(url_name), {lookup: "a"})
        # 400; or 403 for a list this person may not see at all (the super admin's alone).
        refused = 403 if client.get(reverse(url_name)).status_code == 403 else 400
        assert response.status_code == refused, (url_name, lookup)


@pytest.mark.production_hasher  # the hash production stores, its algorithm and settings
@pytest.mark.parametrize("who", ["admin", "super_admin"])
def test_a_users_page_says_whether_they_have_a_password_not_what_it_is(people, make_user, who):
    client = logged_in(people[who])
    body = client.get(reverse("admin:accounts_user_change", args=[people["super_admin"].pk])).content.decode()
    assert "A password is set." in body
    assert "pbkdf2" not in body.lower()  # not even the algorithm and its settings
    assert "iterations" not in body.lower()
    nobody = make_user("nopass@example.com", password=None)
    body = client.get(reverse("admin:accounts_user_change", args=[nobody.pk])).content.decode()
    assert "No password set." in body


def test_the_super_admin_still_sets_a_new_password(people):
    client = logged_in(people["super_admin"])
    organizer = people["organizer"]
    url = reverse("admin:auth_user_password_change", args=[organizer.pk])
    new = PASSWORD + "-new"
    response = client.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302
    organizer.refresh_from_db()
    assert organizer.check_password(new)
