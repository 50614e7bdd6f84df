import pytest
from django.core.management import CommandError, call_command

from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_notify_command_sends_one(user, capsys):
    call_command(
        "notify", "--email", "SOMEONE@example.com", "--title", "Hello", "--message", "<b>Hi</b><script>x</script>"
    )
    notification = Notification.objects.get()
    assert (notification.user, notification.title, notification.message) == (user, "Hello", "<b>Hi</b>")
    assert f"Notification {notification.pk} sent to someone@example.com." in capsys.readouterr().out


def test_notify_command_with_an_action_and_a_link(user):
    call_command(
        "notify", "--email", user.email, "--title", "Go", "--action", "Session schedule change", "--link", "/events/"
    )
    notification = Notification.objects.get()
    assert (notification.action, notification.link) == ("Session schedule change", "/events/")


def test_notify_command_is_an_announcement_by_default(user):
    call_command("notify", "--email", user.email, "--title", "Go")
    assert (Notification.objects.get().action, Notification.objects.get().link) == ("Announcement", "")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--email", "nobody@example.com", "--title", "T"], "No user with the e-mail address"),
        (["--email", "someone@example.com", "--title", "  "], "The title must not be empty"),
        (["--email", "someone@example.com", "--title", "T", "--link", "javascript:x"], "The link must be"),
        (["--email", "someone@example.com", "--title", "T", "--action", "/events/"], "invalid choice"),
    ],
)
def test_notify_command_refuses_bad_input(user, args, error):
    with pytest.raises(CommandError, match=error):
        call_command("notify", *args)
    assert not Notification.objects.exists()


def test_notify_command_says_what_the_running_server_shows(user, settings, capsys):
    """Under ``make run`` (no REDIS_URL) the push cannot cross into the server's process:
    the command says open pages catch up within 30 seconds (the bell asks)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    call_command("notify", "--email", user.email, "--title", "One")
    out = capsys.readouterr().out
    assert "Their bell shows 1 unread on their next page" in out
    assert "within 30 seconds" in out

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer"}}
    call_command("notify", "--email", user.email, "--title", "Two")
    assert "Their bell shows 2 unread: pushed at once to every open page" in capsys.readouterr().out


def test_notify_command_finds_the_address_itself_not_a_look_alike(make_user):
    # On PostgreSQL iexact took bob@gmaıl.com (dotless ı: another domain) for bob@gmail.com.
    make_user(email="bob@gmaıl.com")
    with pytest.raises(CommandError, match="No user with the e-mail address"):
        call_command("notify", "--email", "Bob@Gmail.com", "--title", "T")
    bob = make_user(email="bob@gmail.com")
    call_command("notify", "--email", "Bob@Gmail.com", "--title", "T")
    assert Notification.objects.get().user == bob
