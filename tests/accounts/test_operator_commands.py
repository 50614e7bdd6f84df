import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from tests.utils import PASSWORD


@pytest.mark.django_db
class TestCreateSuperAdmin:
    def test_non_interactive(self, monkeypatch):
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
        call_command("createsuperadmin", "--email", "Root@Example.com", stdout=open("/dev/null", "w"))  # noqa: SIM115
        user = User.objects.get()
        assert user.email == "root@example.com"
        assert user.is_super_admin
        assert user.is_staff
        assert user.check_password(PASSWORD)

    def test_weak_password_refused(self, monkeypatch):
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "123")
        with pytest.raises(CommandError, match="Password refused"):
            call_command("createsuperadmin", "--email", "root@example.com")
        assert not User.objects.exists()

    def test_existing_email_refused(self, monkeypatch, user):
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
        with pytest.raises(CommandError, match="already exists"):
            call_command("createsuperadmin", "--email", user.email)

    def test_no_input_without_password(self, monkeypatch):
        monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
        with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
            call_command("createsuperadmin", "--email", "root@example.com", "--noinput")


@pytest.mark.django_db
def test_shell_has_models_services_and_su(capsys, super_admin, make_user):
    make_user("later-super@example.com", is_super_admin=True)
    call_command(
        "shell",
        "-c",
        "print(su.email, Event.__name__, Ticket.__name__, events_services.create_event.__name__, "
        "permissions_services.grant_role.__name__)",
        verbosity=0,
    )
    assert capsys.readouterr().out.split() == ["super@example.com", "Event", "Ticket", "create_event", "grant_role"]


@pytest.mark.django_db
def test_shell_names_are_the_projects_models_and_djangos_are_prefixed(capsys):
    call_command(
        "shell",
        "-c",
        "print(Permission._meta.label, Session._meta.label, "
        "auth_Permission._meta.label, sessions_Session._meta.label)",
        verbosity=0,
    )
    assert capsys.readouterr().out.split() == [
        "permissions.Permission",
        "events.Session",
        "auth.Permission",
        "sessions.Session",
    ]
