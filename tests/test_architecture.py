"""The layering of docs/architecture.md, checked by import-linter (``.importlinter``): apps
import only the apps below them, models and services never import views, forms, URLs, the
API, the admin or consumers, and core imports no domain app. (``make lint``, ``make test``
and CI run ``lint-imports`` too; this keeps a plain ``pytest`` honest.)"""

import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - our own tool, from this virtualenv
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_the_layers_are_the_documented_ones():
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = config["importlinter:contract:layers"]["layers"].split()
    assert layers == [
        "config",
        "demo",
        "orders",
        "tickets",
        "events",
        "permissions",
        "notifications",
        "activity",
        "accounts",
        "core",
    ]
