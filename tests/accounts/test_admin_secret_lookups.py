"""No lookup of any registered admin reaches a secret field, however it gets there.

The second attack read the super admin's API token out of the users' list one hex digit
at a time (``/admin/accounts/user/?auth_token__key__startswith=8``), and ``auth_token=``,
``__regex`` and ``auth_token__pk__startswith`` worked too: a filter the changelist answers
row by row gives a secret away a character at a time. This walks every model admin
registered on ``admin.site`` (Django's own included) and every relation path from its
model, forward and reverse, up to two hops, that ends on a secret field or on a model
whose primary key is one, with several lookups each: the list answers 400 (or 403 where
this person may not see it at all). Searching (``?q=``), ordering (``?o=``), the list's
filters, its date hierarchy and ``?_to_field=`` never reach one either.

A secret is known here by its name (the rule the activity log follows too: password,
token, key, secret, digest), plus those a model lists in its ``secret_fields`` (a
notification's link may carry an invitation's signed token) and the session data.
"""

import contextlib
import hashlib
import sys
import types

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR, TO_FIELD_VAR
from django.contrib.sessions.models import Session
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from django.db.models.expressions import OrderBy
from django.test import Client
from django.urls import path, reverse
from rest_framework.test import APIClient

from core.admin_site import check_no_secret_in_admins
from permissions import services as permission_services
from permissions.models import RoleInvite
from tests.utils import PASSWORD

pytestmark = pytest.mark.django_db

SECRET_WORDS = ("password", "token", "key", "secret", "digest")
SECRET_EXTRA = {(Session, "session_data")}
#: The lookups an attacker tries on a path that ends on a secret ("" is plain equality).
LOOKUPS = ["", "__exact", "__iexact", "__startswith", "__regex", "__contains", "__gt", "__isnull", "__in"]
HOPS = 2


def is_secret(model, field):
    if field.is_relation or not getattr(field, "concrete", False):
        return False
    if field.name in getattr(model, "secret_fields", ()):
        return True
    return any(word in field.name.lower() for word in SECRET_WORDS) or (model, field.name) in SECRET_EXTRA


def secret_fields(model):
    return [f for f in model._meta.get_fields() if is_secret(model, f)]


def relations(model):
    """(query name, related model) of every relation a lookup may follow from ``model``."""
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None and not field.related_model._meta.abstract:
            yield field.name, field.related_model


def secret_paths(model, hops=HOPS):
    """Every lookup path from ``model`` (without its final lookup) that ends on a secret:
    ``[rel__[rel__]]<secret field>``, and ``<rel>`` / ``<rel>__pk`` when the related
    model's primary key is a secret."""
    found = set()

    def walk(current, prefix, depth):
        for field in secret_fields(current):
            found.add(prefix + field.name)
        if prefix and is_secret(current, current._meta.pk):
            found.add(prefix[:-2])
            found.add(prefix + "pk")
        if depth < hops:
            for name, related in relations(current):
                walk(related, f"{prefix}{name}__", depth + 1)

    walk(model, "", 0)
    return sorted(found)


def reaches_secret(model, path):
    """Whether an ordering, search or filter path (``-a__b``, ``^a``, ``a__b__startswith``)
    reads a secret field."""
    path = path.lstrip("-^=@?")
    current, field = model, None
    for part in path.split("__"):
        try:
            field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        except FieldDoesNotExist:
            break
        if is_secret(current, field):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        current = field.related_model
    else:
        return field is not None and field.is_relation and is_secret(current, current._meta.pk)
    return field is not None and field.is_relation and is_secret(current, current._meta.pk)


def ordering_names(ordering):
    for item in ordering:
        if isinstance(item, str):
            yield item
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            yield item.expression.name
        elif isinstance(item, F):
            yield item.name


@pytest.fixture
def people(make_user, event, organizer):
    """An admin, the super admin and an organizer, each with an API token and a session;
    an invitation pending. Returns them and the secrets this made."""
    admin_user = make_user("admin@example.com", is_admin=True)
    super_admin = make_user("super@example.com", is_super_admin=True)
    keys = []
    for person in (admin_user, super_admin, organizer):
        answer = APIClient().post("/api/v1/auth/token/", {"email": person.email, "password": PASSWORD}, format="json")
        keys.append(answer.json()["token"])
        Client().force_login(person)
    permission_services.invite_to_role(event, "newcomer@example.com", "moderator", organizer)
    # One of each kind: the super admin's token key and its digest, an invitation's token,
    # a session key, a password hash.
    values = [keys[1], hashlib.sha256(keys[1].encode()).hexdigest(), RoleInvite.objects.get().token]
    values += [Session.objects.first().session_key, super_admin.password]
    return {"admin": admin_user, "super_admin": super_admin, "organizer": organizer, "secrets": values}


def logged_in(person):
    client = Client()
    client.force_login(person)
    return client


def changelists():
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        yield model, model_admin, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


def test_the_walk_sees_the_paths_of_the_attack():
    from accounts.models import User

    paths = secret_paths(User)
    assert "password" in paths
    assert any(path.startswith("groups__user__") for path in paths)  # through another model and back
    # Whatever model keeps API tokens, the users' list reaches its secret through a relation.
    assert any("__" in path and path.split("__")[0] not in ("groups", "user_permissions") for path in paths)
    assert reaches_secret(User, "password")
    assert not reaches_secret(User, "email")


@pytest.mark.parametrize("who", ["admin", "super_admin"])
def test_no_filter_of_any_admin_reaches_a_secret(people, who):
    client = logged_in(people[who])
    tried = 0
    for model, _, url in changelists():
        refused = 403 if client.get(url).status_code == 403 else 400
        for secret in secret_paths(model):
            for lookup in LOOKUPS if secret.count("__") < HOPS else ["__startswith", "__regex", ""]:
                value = "a,b" if lookup == "__in" else ("1" if lookup == "__isnull" else "8")
                response = client.get(url, {secret + lookup: value})
                assert response.status_code == refused, (url, secret + lookup, response.status_code)
                tried += 1
    assert tried > 100


@pytest.mark.parametrize(
    "lookup",
    [
        "password__startswith",
        "groups__user__password__startswith",
        "user_permissions__user__password__regex",
        "auth_token__key__startswith",
        "auth_token",
        "auth_token__pk__startswith",
        "auth_token__regex",
        "api_tokens__digest__startswith",
        "api_tokens__user__password__startswith",
        "notifications__link__startswith",
        "PASSWORD__startswith",
    ],
)
def test_the_attacks_own_probes_on_the_users_list(people, lookup):
    """The probes of the report, and their variations, as an admin: 400 (a field that
    does not exist at all is a 400 too, or Django's "?e=1" redirect, never a list)."""
    response = logged_in(people["admin"]).get(reverse("admin:accounts_user_changelist"), {lookup: "8"})
    assert response.status_code in (400, 302), response.status_code
    if response.status_code == 302:
        assert "e=1" in response["Location"]


@pytest.mark.parametrize("who", ["admin", "super_admin"])
def test_no_search_ordering_filter_or_date_hierarchy_reaches_a_secret(people, who, rf):
    client = logged_in(people[who])
    request = rf.get("/")
    request.user = people[who]
    for model, model_admin, url in changelists():
        where = model._meta.label
        for name in model_admin.get_search_fields(request):
            assert not reaches_secret(model, name), (where, "search", name)
        for item in model_admin.get_list_filter(request):
            if isinstance(item, (list, tuple)):
                item = item[0]
            if isinstance(item, str):
                assert not reaches_secret(model, item), (where, "list_filter", item)
        if model_admin.date_hierarchy:
            assert not reaches_secret(model, model_admin.date_hierarchy), (where, "date_hierarchy")
        for name in ordering_names(model_admin.get_ordering(request) or ()):
            assert not reaches_secret(model, name), (where, "ordering", name)
        first = client.get(url)
        if first.status_code == 403:
            continue
        # Searching for a secret's value (or its start) finds nothing through it.
        if model_admin.get_search_fields(request):
            for value in people["secrets"]:
                probe = value[:12]  # the attack's way: the start of a secret
                answer = client.get(url, {SEARCH_VAR: probe})
                assert answer.status_code == 200, (where, probe)
                assert answer.context["cl"].result_count == 0, (where, "search", probe)
        # Every column the list may be sorted by: never by a secret.
        columns = len(first.context["cl"].list_display)
        for order in [str(index) for index in range(columns)]:
            answer = client.get(url, {ORDER_VAR: order})
            assert answer.status_code == 200, (where, order)
            cl = answer.context["cl"]
            for name in ordering_names(cl.get_ordering(answer.wsgi_request, cl.root_queryset)):
                assert not reaches_secret(model, name), (where, "?o=", order, name)
        # ?_to_field= names the field a pop-up hands back: never a secret one.
        for field in secret_fields(model):
            assert client.get(url, {TO_FIELD_VAR: field.name}).status_code == 400, (where, field.name)


@contextlib.contextmanager
def group_admin(admin_class, settings):
    """``admin_class`` as the groups' admin, with URLs made again (they hold the model
    admins they were made with), and a group "Staff" the super admin is in; as before after."""
    from django.contrib.auth.models import Group

    from accounts.models import User

    original = admin.site.get_model_admin(Group).__class__ if admin.site.is_registered(Group) else None
    if original is not None:
        admin.site.unregister(Group)
    admin.site.register(Group, admin_class)
    urls = types.ModuleType(f"fresh_admin_urls_{admin_class.__name__}")
    urls.urlpatterns = [path("admin/", admin.site.urls)]
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__
    try:
        Group.objects.create(name="Staff").user_set.add(User.objects.get(email="super@example.com"))
        yield
    finally:
        admin.site.unregister(Group)
        if original is not None:
            admin.site.register(Group, original)
        del sys.modules[urls.__name__]


def test_a_new_admin_gets_the_guard_too(people, settings):
    """The guard belongs to the site, not to the admins written so far: a model admin
    registered later, that even lists a secret among its filters, is guarded as well."""

    from accounts.models import User

    class CarelessGroupAdmin(admin.ModelAdmin):
        list_filter = ["user__password"]
        search_fields = ["name", "user__password"]

        def lookup_allowed(self, lookup, value, request=None):
            return True  # allows anything: the site's guard still refuses secrets

    with group_admin(CarelessGroupAdmin, settings):
        client = logged_in(people["admin"])
        url = reverse("admin:auth_group_changelist")
        assert client.get(url, {"user__password__startswith": "m"}).status_code == 400
        assert client.get(url, {"user__email__startswith": "s"}).status_code == 200
        password = User.objects.get(email="super@example.com").password
        answer = client.get(url, {SEARCH_VAR: password})
        assert answer.status_code == 200
        assert answer.context["cl"].result_count == 0
        # Nor is it offered as a filter's choice.
        assert password not in client.get(url).content.decode()
        # And the project's checks name the careless options.
        errors = [error for error in check_no_secret_in_admins() if error.obj.__name__ == "CarelessGroupAdmin"]
        assert {error.id for error in errors} == {"core.E001"}
        assert len(errors) == 2  # the list filter and the search field


def test_an_ordering_expression_over_a_secret_sorts_by_nothing_secret(people, settings):
    """Ordering may be an expression (``Lower("user__password")``, a column's
    ``admin_order_field``): one that reads a secret is left out like a name that does,
    else sorting the list (``?o=``) would give the secret away by the order of rows."""
    from django.db.models.functions import Lower

    class SortingGroupAdmin(admin.ModelAdmin):
        ordering = [Lower("user__password").desc(), "name"]
        list_display = ["name", "members"]

        @admin.display(ordering=Lower("user__password"))
        def members(self, group):
            return group.user_set.count()

    with group_admin(SortingGroupAdmin, settings):
        client = logged_in(people["admin"])
        url = reverse("admin:auth_group_changelist")
        for query in ({}, {ORDER_VAR: "1"}, {ORDER_VAR: "-1.0"}):
            answer = client.get(url, query)
            assert answer.status_code == 200, query
            assert "password" not in str(answer.context["cl"].queryset.query).lower(), query
        errors = [error for error in check_no_secret_in_admins() if error.obj.__name__ == "SortingGroupAdmin"]
        assert [error.id for error in errors] == ["core.E001"]  # the ordering
