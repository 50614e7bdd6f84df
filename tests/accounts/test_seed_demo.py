import pytest
from django.core.management import call_command

from accounts.models import User
from demo.management.commands.seed_demo import DEMO_SLUG, ORGANIZER_EMAIL, SUPER_ADMIN_EMAIL
from events.models import Event


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_random_passwords(capsys, monkeypatch, client):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert User.objects.count() == 2
    assert Event.objects.filter(slug=DEMO_SLUG, state="published").count() == 1
    assert User.objects.get(email=SUPER_ADMIN_EMAIL).is_super_admin
    organizer_line = next(line for line in first.splitlines() if line.startswith("Organizer:"))
    password = organizer_line.split(" / ")[1]
    assert len(password) >= 12
    assert "unchanged" in second
    assert client.login(username=ORGANIZER_EMAIL, password=password)
    assert [e.slug for e in client.get("/events/").context["page"]] == [DEMO_SLUG]


@pytest.mark.django_db
def test_seed_demo_uses_demo_password(capsys, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-for-tests-42")
    call_command("seed_demo")
    assert "demo-pass-for-tests-42" in capsys.readouterr().out
    assert User.objects.get(email=ORGANIZER_EMAIL).check_password("demo-pass-for-tests-42")
