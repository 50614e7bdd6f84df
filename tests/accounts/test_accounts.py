import threading

import pytest
from django.conf import settings
from django.db import connection
from django.db.models.signals import pre_save
from django.urls import reverse

from accounts.models import User
from tests.utils import PASSWORD


def signup_data(**overrides):
    data = {"email": "new@example.com", "full_name": "New Person", "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestSignUp:
    def test_creates_an_unconfirmed_user_who_logs_in_with_the_password(self, client):
        response = client.post(reverse("signup"), signup_data(email="New@Example.com"))
        assert response.status_code == 302
        assert response["Location"] == reverse("signup_sent")
        user = User.objects.get()
        assert user.email == "new@example.com"
        assert user.check_password(PASSWORD)
        assert user.email_confirmed_at is None
        assert "_auth_user_id" not in client.session  # the same answer as for a taken address
        client.post(reverse("login"), {"username": "new@example.com", "password": PASSWORD})
        assert client.get(reverse("events:mine")).status_code == 200

    def test_a_taken_address_makes_no_account_and_is_no_form_error(self, client, user):
        response = client.post(reverse("signup"), signup_data(email=user.email.upper()))
        assert response.status_code == 302
        assert response["Location"] == reverse("signup_sent")
        assert User.objects.count() == 1

    @pytest.mark.django_db(transaction=True)
    @pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="SQLite takes the write lock first (IMMEDIATE): the other writer would wait for this one; "
        "tests/accounts/test_services.py shows the same refusal on every engine",
    )
    def test_an_address_taken_while_the_form_was_checked_answers_as_a_taken_one(self, client, django_user_model):
        """Two sign-ups with one address at the same moment: both forms pass their check,
        the database's unique constraint refuses the second insert. Here the other
        sign-up commits (another thread, its own connection) from a pre_save receiver:
        between this form's check and its insert."""

        def the_other_sign_up_commits_first(sender, instance, **kwargs):
            if instance.pk is None and instance.email == "new@example.com":
                stop_landing()
                other = threading.Thread(target=other_sign_up)
                other.start()
                other.join()

        def other_sign_up():
            User.objects.create_user("new@example.com", PASSWORD, full_name="The other one")
            connection.close()

        def stop_landing():
            pre_save.disconnect(the_other_sign_up_commits_first, sender=django_user_model)

        pre_save.connect(the_other_sign_up_commits_first, sender=django_user_model)
        try:
            response = client.post(reverse("signup"), signup_data())
        finally:
            stop_landing()
        assert response.status_code == 302
        assert response["Location"] == reverse("signup_sent")
        assert list(User.objects.values_list("full_name", flat=True)) == ["The other one"]
        assert "_auth_user_id" not in client.session

    @pytest.mark.parametrize(
        ("password", "message"),
        [("12345678", "entirely numeric"), ("short", "too short"), ("password", "too common")],
    )
    def test_weak_password_is_a_form_error(self, client, password, message):
        response = client.post(reverse("signup"), signup_data(password1=password, password2=password))
        assert response.status_code == 200
        assert any(message in error for error in response.context["form"].errors["password2"])
        assert not User.objects.exists()

    def test_mismatched_passwords(self, client):
        response = client.post(reverse("signup"), signup_data(password2=PASSWORD + "x"))
        assert response.status_code == 200
        assert not User.objects.exists()

    @pytest.mark.parametrize("email", ["", "not-an-email", "a" * 300 + "@example.com"])
    def test_bad_email(self, client, email):
        response = client.post(reverse("signup"), signup_data(email=email))
        assert response.status_code == 200
        assert response.context["form"].errors["email"]
        assert not User.objects.exists()


@pytest.mark.django_db
class TestLogInOut:
    def test_log_in_by_email(self, client, user):
        response = client.post(reverse("login"), {"username": user.email.upper(), "password": PASSWORD})
        assert response.status_code == 302
        response = client.get(reverse("events:mine"))
        assert response.status_code == 200
        assert user.email in response.content.decode()

    def test_wrong_password(self, client, user):
        response = client.post(reverse("login"), {"username": user.email, "password": "nope"})
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert client.get(reverse("events:mine")).status_code == 302

    def test_log_out_is_a_post(self, client, user):
        client.force_login(user)
        assert client.get(reverse("logout")).status_code == 405
        assert client.post(reverse("logout")).status_code == 302
        assert client.get(reverse("events:mine")).status_code == 302

    def test_password_change(self, client, user):
        client.force_login(user)
        new = "another-long-passphrase-7"
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password(new)

    def test_password_change_weak(self, client, user):
        client.force_login(user)
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["new_password2"]
        user.refresh_from_db()
        assert user.check_password(PASSWORD)


@pytest.mark.django_db
class TestUserModel:
    def test_create_user(self):
        user = User.objects.create_user("A@B.example", PASSWORD)
        assert user.email == "a@b.example"
        assert not user.is_staff
        assert not user.is_admin
        assert not user.is_super_admin

    def test_create_superuser_is_super_admin(self):
        user = User.objects.create_superuser("root@example.com", PASSWORD)
        assert user.is_super_admin
        assert user.is_superuser
        assert user.is_staff

    def test_admin_is_staff(self, admin_user):
        assert admin_user.is_staff
        assert not admin_user.is_superuser

    def test_email_required(self):
        with pytest.raises(ValueError, match="e-mail"):
            User.objects.create_user("", PASSWORD)
