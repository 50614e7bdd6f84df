"""The Django admin's site, with one guard for every model admin registered on it: no
lookup touches a secret field (``core.secrets``).

A changelist answers filters from its URL row by row, so a filter on a secret gives it
away a character at a time (``?auth_token__key__startswith=8``, then ``=80``, ...), and
Django allows a filter on any field one relation away, the related model's primary key
included. Every admin registered on ``admin.site`` (ours, Django's, a library's,
whenever registered) is made a subclass of ``SecretGuardMixin``, placed first so that
no admin's own ``lookup_allowed`` can allow what it refuses:

- a URL filter (any lookup, through any relation, forward or reverse, or one ending on
  a relation whose compared field is a secret) is refused: 400;
- search fields, list filters, the default ordering, the columns a list may be sorted
  by (``?o=``; a name, or an expression reading one: ``Lower("password")``), the
  list's columns, its date hierarchy and ``?_to_field=`` that reach a secret are left
  out; and ``manage.py check`` reports an admin that names one (``core.E001``).

The "view on site" shortcut (``r/<content type>/<id>/``, Django's redirect to an object's
``get_absolute_url()``) answers only for models registered here, for an object the person
may view here: Django's answers any staff member for any object of any model.

Every admin is also made a subclass of ``SelectionGuardMixin``: an action posted with a
selected row id its model's key could not hold (``_selected_action=abc``) is 400, nothing
run (Django filters by it as posted and fails: a 500).

Every admin view works across events: it runs, and its answer is rendered, with
django-scopes' scopes disabled (``AdminSite.admin_view``), where a page of an event works
in that event's scope only (``core.request_scope``).

Installed by ``core.admin_app.AdminConfig``, in place of ``django.contrib.admin``.
"""

from functools import update_wrapper

from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.utils import unquote
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.core.exceptions import BadRequest, ValidationError
from django.db.models import F
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django_scopes import scopes_disabled

from core.secrets import reaches_secret
from core.views import local_path


def _ordering_names(item):
    """The field paths an ordering item sorts by: ``-a__b``, ``F("a")``, ``F("a").desc()``,
    and every field an expression reads (``Lower("a")``, ``Concat("a", "b")``, ...)."""
    if isinstance(item, str):
        return [item]
    if isinstance(item, F):
        return [item.name]
    sources = item.get_source_expressions() if hasattr(item, "get_source_expressions") else ()
    return [name for source in sources if source is not None for name in _ordering_names(source)]


def _sorts_by_secret(model, item):
    return any(reaches_secret(model, name) for name in _ordering_names(item))


def _safe_ordering(model, ordering):
    return [item for item in ordering if not _sorts_by_secret(model, item)]


def _shows_secret(model, name):
    """A form's or change page's field that is a secret (a method or a fieldset's tuple is not)."""
    return isinstance(name, str) and reaches_secret(model, name)


def _name(item):
    """A list filter's field path (``"a__b"``, ``("a__b", SomeFilter)``); None for a
    filter class, which names no field."""
    if isinstance(item, (list, tuple)):
        item = item[0]
    return item if isinstance(item, str) else None


class GuardedChangeListMixin:
    def __init__(self, request, model, list_display, list_display_links, list_filter, date_hierarchy, *args, **kw):
        if date_hierarchy and reaches_secret(model, date_hierarchy):
            date_hierarchy = None
        super().__init__(request, model, list_display, list_display_links, list_filter, date_hierarchy, *args, **kw)

    def get_ordering_field(self, field_name):
        order_field = super().get_ordering_field(field_name)
        if order_field is not None and _sorts_by_secret(self.model, order_field):
            return None  # ``?o=<this column>`` sorts by nothing
        return order_field

    def get_ordering(self, request, queryset):
        return _safe_ordering(self.model, super().get_ordering(request, queryset))


_guarded_changelists = {}


class SecretGuardMixin:
    """No lookup of this admin reaches a secret field (see the module's docstring)."""

    def lookup_allowed(self, lookup, value, request=None):
        if reaches_secret(self.model, lookup):
            return False  # the changelist answers DisallowedModelAdminLookup: 400
        return super().lookup_allowed(lookup, value, request)

    def to_field_allowed(self, request, to_field):
        if reaches_secret(self.model, to_field):
            return False
        return super().to_field_allowed(request, to_field)

    def get_search_fields(self, request):
        return [name for name in super().get_search_fields(request) if not reaches_secret(self.model, name)]

    def get_list_filter(self, request):
        return [item for item in super().get_list_filter(request) if not reaches_secret(self.model, _name(item))]

    def get_list_display(self, request):
        return [item for item in super().get_list_display(request) if not reaches_secret(self.model, item)]

    def get_sortable_by(self, request):
        return [item for item in super().get_sortable_by(request) if not reaches_secret(self.model, item)]

    def get_ordering(self, request):
        return _safe_ordering(self.model, super().get_ordering(request) or ())

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if not _shows_secret(self.model, name)]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if not _shows_secret(self.model, name)]

    def get_changelist(self, request, **kwargs):
        base = super().get_changelist(request, **kwargs)
        if issubclass(base, GuardedChangeListMixin):
            return base
        if base not in _guarded_changelists:
            _guarded_changelists[base] = type(f"Guarded{base.__name__}", (GuardedChangeListMixin, base), {})
        return _guarded_changelists[base]


class SelectionGuardMixin:
    """An action's selected rows are ids of the model's key, or the request is refused
    (400) before the action runs."""

    def response_action(self, request, queryset):
        key = self.model._meta.pk
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                key.to_python(value)
            except ValidationError:
                raise BadRequest("A selected row's id is not one.") from None
        return super().response_action(request, queryset)


def guarded(admin_class):
    """``admin_class`` with the secret and selection guards first in its bases (itself if
    it has them)."""
    guards = tuple(guard for guard in (SecretGuardMixin, SelectionGuardMixin) if not issubclass(admin_class, guard))
    if not guards:
        return admin_class
    return type(
        admin_class.__name__,
        (*guards, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )


def _only_a_local_next(request, default):
    """A ``next`` that is not a path on this site (``core.views.local_path``) becomes
    ``default``, as every other form ignores one: Django's own check followed
    ``next=logout`` to /admin/login/logout."""
    for method in ("GET", "POST"):
        params = getattr(request, method)
        if REDIRECT_FIELD_NAME in params and not local_path(request, params.get(REDIRECT_FIELD_NAME)):
            params = params.copy()
            params[REDIRECT_FIELD_NAME] = default
            setattr(request, method, params)


class AdminSite(admin.AdminSite):
    #: The limit on log-in attempts (a DRF throttle class), set by the app that owns
    #: log-ins (``accounts``) so that the admin's log-in counts with the site's own:
    #: without it, passwords could be guessed here without end. None: no limit.
    login_throttle = None

    def admin_view(self, view, cacheable=False):
        """Django's, across events: the view runs, and its answer is rendered, with scopes
        disabled (the super admin's lists, forms and actions span every event)."""

        def across_events(request, *args, **kwargs):
            with scopes_disabled():
                response = view(request, *args, **kwargs)
                if callable(getattr(response, "render", None)):
                    response = response.render()  # a template reads querysets too
            return response

        return super().admin_view(update_wrapper(across_events, view), cacheable)

    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, guarded(admin_class or admin.ModelAdmin), **options)

    def get_urls(self):
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[index] = path(str(pattern.pattern), self.admin_view(self.view_on_site), name="view_on_site")
        return urls

    def view_on_site(self, request, content_type_id, object_id):
        """Django's shortcut to an object's page, for a model registered here and an
        object the person may view here; anything else is not found. (Django's own sends
        any staff member to the ``get_absolute_url()`` of any object of any model: an
        order's link, with its secret, to a read-only admin.)"""
        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except (ValueError, ContentType.DoesNotExist):
            raise Http404 from None
        if model is None or not self.is_registered(model):
            raise Http404
        model_admin = self.get_model_admin(model)
        if not model_admin.view_on_site:
            raise Http404
        obj = model_admin.get_object(request, unquote(object_id))
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def login(self, request, extra_context=None):
        """Django's admin log-in, after the log-in limit: past it, the form again with
        the refusal (429), the password not even checked."""
        if request.method == "POST" and self.login_throttle is not None:
            throttle = self.login_throttle()
            if not throttle.allow_request(request, None):
                return self._login_refused(request, throttle, extra_context)
        _only_a_local_next(request, reverse("admin:index", current_app=self.name))
        return super().login(request, extra_context)

    def _login_refused(self, request, throttle, extra_context):
        form = AdminAuthenticationForm(request, initial={"username": request.POST.get("username", "")[:254]})
        form.cleaned_data = {}
        wait = max(1, round(throttle.wait() or 1))
        form.add_error(None, f"Too many log-in attempts from your address. Try again in {wait} seconds.")
        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            "form": form,
            **(extra_context or {}),
        }
        request.current_app = self.name
        response = TemplateResponse(request, self.login_template or "admin/login.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response


def check_no_secret_in_admins(app_configs=None, **kwargs):
    """An admin that names a secret where a lookup is made of it: the guard leaves it out
    at run time; this says so when the project is checked."""
    errors = []
    for model in apps.get_models(include_auto_created=True):
        if not admin.site.is_registered(model):
            continue
        model_admin = admin.site.get_model_admin(model)
        named = [
            *(("search_fields", name) for name in model_admin.search_fields),
            *(("list_filter", _name(item)) for item in model_admin.list_filter),
            *(("list_display", item) for item in model_admin.list_display),
            *(("list_editable", item) for item in model_admin.list_editable),
            *(("ordering", name) for item in model_admin.ordering or () for name in _ordering_names(item)),
            ("date_hierarchy", model_admin.date_hierarchy),
        ]
        for option, name in named:
            if name and reaches_secret(model, name):
                errors.append(
                    checks.Error(
                        f"{option} names {name!r}, which reaches a secret field.",
                        hint="Secrets are never filtered, searched, sorted or shown in the admin (core.secrets).",
                        obj=model_admin.__class__,
                        id="core.E001",
                    )
                )
    return errors
