"""The layering of docs/architecture.md ("Apps and layers").

Imports: import-linter (``.importlinter``) keeps apps importing only the apps below them,
models and services away from views, forms, URLs, the API, the admin and consumers, and
core away from every domain app. (``make lint``, ``make test`` and CI run ``lint-imports``
too; this keeps a plain ``pytest`` honest.) The contracts are shown to catch what they
forbid: run on a small tree of stand-in apps that breaks each, they fail.

Names: what imports cannot show. No app's Python code or templates name a URL, a template,
a template tag library or a model of an app above it, nor reach one through the name its
relation gives a lower model (``event.tickets``, ``prefetch_related("orders")``); a higher app plugs into a lower one
(a registry it fills in ``AppConfig.ready``, a URL it passes down). config, on top, may
name anything: the site's frame (the templates at the top of ``templates/``, such as
``base.html``, and the names the root URLconf defines itself, such as ``home``) is open
to every app.
"""

import ast
import configparser
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.apps import apps
from django.template.backends.django import get_installed_libraries
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def run_lint_imports(cwd, extra_env=None):
    env = {**os.environ, **(extra_env or {})}
    return subprocess.run(  # noqa: S603 - our own tool, from this virtualenv
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120, check=False, env=env
    )


def layers(config_text=None):
    """The apps, top first, as ``.importlinter``'s layers contract lists them."""
    config = configparser.ConfigParser()
    config.read_string(config_text or (ROOT / ".importlinter").read_text())
    return config["importlinter:contract:layers"]["layers"].split()


# --- imports ------------------------------------------------------------------------------


def test_the_import_contracts_are_kept():
    result = run_lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


def stand_in_tree(tmp_path, modules):
    """A copy of ``.importlinter`` beside empty packages named like the apps (and the
    modules its contracts name), plus ``modules`` (dotted name → source)."""
    (tmp_path / ".importlinter").write_text((ROOT / ".importlinter").read_text())
    for app in layers():
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    for name, source in {"permissions.checks": "", "permissions.resources": "", **modules}.items():
        path = tmp_path.joinpath(*name.split(".")).with_suffix(".py")
        path.parent.mkdir(exist_ok=True)
        if not (path.parent / "__init__.py").exists():
            (path.parent / "__init__.py").write_text("")
        path.write_text(textwrap.dedent(source))
    return run_lint_imports(tmp_path, {"PYTHONPATH": str(tmp_path)})


def test_the_contracts_pass_a_tree_that_keeps_them(tmp_path):
    result = stand_in_tree(
        tmp_path,
        {
            "orders.services": "import tickets.services\nimport events.models\n",
            "tickets.services": "import events.models\n",
            "events.models": "import core.errors\n",
            "events.views": "import events.services\n",
            "events.services": "import events.models\n",
            "core.errors": "",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def contract_names():
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    prefix = "importlinter:contract:"
    return {key.removeprefix(prefix): config[key]["name"] for key in config.sections() if key.startswith(prefix)}


@pytest.mark.parametrize(
    ("modules", "broken"),
    [
        # a lower app imports a higher one, even inside a function
        ({"events.services": "def f():\n    import orders.services\n", "orders.services": ""}, {"layers"}),
        ({"accounts.views": "from permissions import checks\n"}, {"layers"}),
        # a model imports a view of its own app; the checks import a form
        ({"events.models": "from events import views\n", "events.views": ""}, {"rules-below-interfaces"}),
        ({"permissions.checks": "import permissions.forms\n", "permissions.forms": ""}, {"rules-below-interfaces"}),
        # core imports a domain app (below every one of them, it breaks the layers too)
        ({"core.links": "import accounts\n"}, {"core-is-plumbing", "layers"}),
    ],
)
def test_each_contract_catches_what_it_forbids(tmp_path, modules, broken):
    result = stand_in_tree(tmp_path, modules)
    assert result.returncode != 0, result.stdout
    report = " ".join(result.stdout.split())  # the tool wraps long names
    for key, name in contract_names().items():
        verdict = "BROKEN" if key in broken else "KEPT"
        assert f"{name} {verdict}" in report, f"{key}: {result.stdout}"


# --- names --------------------------------------------------------------------------------

# Templates outside an app's own directory: Django's auth views look in registration/.
TEMPLATE_DIR_OWNERS = {"registration": "accounts"}
#: The site's frame, open to every app: the root URLconf's own names, the top templates.
FRAME = "(frame)"


def rank(app):
    """0 for the top app; None for what is no app of ours (Django's, a library's, the frame)."""
    order = layers()
    return order.index(app) if app in order else None


def is_above(target, source):
    if rank(target) is None or rank(source) is None or target == source:
        return False
    return rank(target) < rank(source)


def url_name_owners():
    """Every URL name ("events:mine", "event_public") → the app whose URLconf defines it
    (config's root URLconf: the frame)."""
    owners = {}

    def walk(resolver, namespace, owner):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                module = getattr(entry.urlconf_module, "__name__", "")  # admin.site.urls: a list
                inner = module.split(".")[0]
                inner_ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, inner_ns, inner if rank(inner) is not None else None)
            elif isinstance(entry, URLPattern) and entry.name:
                owners.setdefault(f"{namespace}{entry.name}", owner)

    walk(get_resolver(), "", FRAME)  # the names the root URLconf defines itself
    return owners


def template_owner(name):
    """The app a template name belongs to (``orders/…`` → orders), FRAME for one at the top."""
    parts = name.split("/")
    if len(parts) == 1:
        return FRAME
    first = parts[1] if parts[0] == "admin" and len(parts) > 2 else parts[0]
    first = TEMPLATE_DIR_OWNERS.get(first, first)
    return first if rank(first) is not None else None


def tag_library_owners():
    return {name: module.split(".")[0] for name, module in get_installed_libraries().items()}


def model_label_owner(value):
    """The app of a model label ("orders.Order", "orders.order") that names one of its models."""
    match = re.fullmatch(r"([a-z_]+)\.([A-Za-z_]+)", value)
    if not match or rank(match[1]) is None:
        return None
    try:
        apps.get_model(match[1], match[2])
    except LookupError:
        return None
    return match[1]


def app_sources():
    """(app, path) of every Python module and template an app owns (migrations aside: they
    are history, and a data migration follows its data across apps)."""
    for app in layers():
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.is_file() and path.suffix in (".html", ".txt"):
            owner = template_owner(path.relative_to(ROOT / "templates").as_posix())
            if owner is not None:
                yield owner, path


def reverse_relation_owners():
    """The names a relation gives the model it points to ("tickets" of ``event.tickets``,
    ``prefetch_related("tickets")``, ``filter(tickets__price=0)``) → the app whose model
    holds the relation (tickets' ``Ticket.event``: "tickets" is tickets'). Only relations
    to a model of an app below count (those give a lower model a name from above); Django
    gives no name to ``related_name="+"``. A name two apps give is the lower one's."""
    owners = {}
    for model in apps.get_models():
        owner = model._meta.app_label
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            if not is_above(owner, field.related_model._meta.app_label):
                continue
            for name in {field.remote_field.get_accessor_name(), field.related_query_name()}:
                if name and not name.endswith("+") and (name not in owners or is_above(owners[name], owner)):
                    owners[name] = owner
    return owners


VARIABLE_OR_TAG = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.S)


def reverse_relations_in_template(text, relations):
    """``{{ event.tickets.all }}``, ``{% for t in event.tickets.all %}``."""
    for match in VARIABLE_OR_TAG.finditer(text):
        for name in re.findall(r"\w\.(\w+)", match[1] or match[2]):
            if name in relations:
                yield f"relation {name!r}", relations[name]


def reverse_relations_in_python(tree, relations):
    """``event.tickets``, ``"tickets"`` and ``"tickets__price"`` (a prefetch, a lookup),
    ``tickets__price=0`` (a lookup's keyword)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value.split("__")[0]
        elif isinstance(node, ast.keyword) and node.arg:
            name = node.arg.split("__")[0]
        else:
            continue
        if name in relations:
            yield f"relation {name!r}", relations[name]


TEMPLATE_TAG = re.compile(r"{%\s*(url|load|include|extends)\s+(.*?)\s*%}", re.S)
QUOTED = re.compile(r"""^(["'])(.*?)\1""")
URL_CALLS = {"reverse", "reverse_lazy", "redirect", "resolve_url"}


def climbs_in_template(app, text, urls, libraries, relations=None):
    yield from reverse_relations_in_template(text, relations or {})
    for tag, rest in TEMPLATE_TAG.findall(text):
        if tag == "load":
            names = rest.split(" from ")[-1].split() if " from " in rest else rest.split()
            for library in names:
                yield f"{{% load {library} %}}", libraries.get(library)
            continue
        quoted = QUOTED.match(rest)
        if not quoted:
            continue  # a variable: whatever fills it is checked where it is written
        value = quoted[2]
        if tag == "url":
            yield f"{{% url '{value}' %}}", urls.get(value)
        else:
            yield f'{{% {tag} "{value}" %}}', template_owner(value)


def climbs_in_python(app, text, urls, relations=None):
    tree = ast.parse(text)
    yield from reverse_relations_in_python(tree, relations or {})
    in_url_call = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in URL_CALLS and node.args and isinstance(node.args[0], ast.Constant):
                in_url_call.add(id(node.args[0]))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        value = node.value
        if (":" in value or id(node) in in_url_call) and value in urls:
            yield f"URL {value!r}", urls[value]
        if re.fullmatch(r"[a-z_]+(/[\w.-]+)+\.(html|txt)", value):
            yield f"template {value!r}", template_owner(value)
        if "{%" in value:
            yield from climbs_in_template(app, value, urls, tag_library_owners(), relations)
        owner = model_label_owner(value)
        if owner is not None:
            yield f"model {value!r}", owner


def climbs():
    urls = url_name_owners()
    libraries = tag_library_owners()
    relations = reverse_relation_owners()
    found = []
    for app, path in app_sources():
        text = path.read_text()
        if path.suffix == ".py":
            named = climbs_in_python(app, text, urls, relations)
        else:
            named = climbs_in_template(app, text, urls, libraries, relations)
        for what, owner in named:
            if is_above(owner, app):
                found.append(f"{path.relative_to(ROOT)} ({app}) names {owner}'s {what}")
    return found


def test_no_app_names_what_belongs_to_an_app_above_it():
    found = climbs()
    assert not found, "\n".join(found)


def test_the_name_check_sees_each_kind_of_climb():
    """The scan reads what it is meant to read: each kind of name, placed in a lower app,
    is found (and the same names in the owning app are not)."""
    urls = url_name_owners()
    libraries = tag_library_owners()
    assert libraries["event_public"] == "events"
    libraries["sales_tags"] = "orders"  # a library orders might have
    assert urls["orders:list"] == "orders"
    assert urls["events:mine"] == "events"
    assert urls["event_public"] == "events"
    assert urls["home"] == FRAME

    relations = reverse_relation_owners()
    assert relations["tickets"] == "tickets"
    assert relations["orders"] == relations["order_lines"] == "orders"
    assert relations["event_roles"] == "permissions"

    def owners_in_python(source):
        return {owner for _, owner in climbs_in_python("events", textwrap.dedent(source), urls, relations)}

    def owners_in_template(source):
        return {owner for _, owner in climbs_in_template("events", source, urls, libraries, relations)}

    assert owners_in_python('reverse("orders:list", args=[1])') == {"orders"}
    assert owners_in_python('STEPS = [("tickets", "Tickets", "tickets:wizard")]') == {"tickets"}
    assert owners_in_python('redirect("event_order", slug="x")') == {"orders"}
    assert owners_in_python('template_name = "orders/order_page.html"') == {"orders"}
    assert owners_in_python('KINDS = ("orders.order", "orders.OrderLine")') == {"orders"}
    assert owners_in_python('reverse("events:mine")\nmodel = "events.Event"') == {"events"}
    # a model of an app above, reached through the name its relation gives a lower model
    assert owners_in_python("tickets = list(event.tickets.all())") == {"tickets"}
    assert owners_in_python('prefetch_related_objects([event], "tickets")') == {"tickets"}
    assert owners_in_python("Event.objects.filter(orders__state='paid')") == {"orders"}
    assert owners_in_python('Event.objects.annotate(n=Count("orders__lines"))') == {"orders"}
    assert owners_in_python("sold = ticket.order_lines.count()") == {"orders"}
    assert owners_in_template("{% for ticket in event.tickets.all %}{{ ticket }}{% endfor %}") == {"tickets"}
    assert owners_in_template("{{ event.orders.count }} orders. Sell tickets.") == {"orders"}
    assert not owners_in_python("event.sessions.all(); event.tracks.count(); event.roles.all()")
    assert owners_in_template("{% load when sales_tags %}{% order_form %}") == {"core", "orders"}
    assert owners_in_template("{% url 'orders:list' event.pk %}") == {"orders"}
    assert owners_in_template('{% include "orders/_order_form.html" %}') == {"orders"}
    assert owners_in_template('{% extends "base.html" %}{% url "home" %}') == {FRAME}
    assert not is_above(FRAME, "core")
    assert is_above("orders", "events")
    assert not is_above("events", "orders")
