import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from core.validators import validate_email_characters, validate_single_line


class Role(models.Model):
    """An event role. The names are fixed (seeded); titles are for people."""

    ORGANIZER = "organizer"
    COORGANIZER = "coorganizer"
    TRACK_ORGANIZER = "track_organizer"
    MODERATOR = "moderator"

    name = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=100, validators=[validate_single_line])

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.title


class Service(models.Model):
    """One of an event's *resources* (a track, a session, ...: ``permissions.resources``)
    that the matrix grants operations on. The model and its table keep the older name
    "service" (renaming a table is not worth a migration); in code, "service" means the
    business-logic layer (``services.py``) and these rows are resources."""

    name = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=100, validators=[validate_single_line])

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.title

    @property
    def resource_name(self):
        """The row stands for its resource wherever a resource is asked for
        (``checks.may(user, event, row, "read")``, ``user.can_read(row, event)``)."""
        return self.name


class Permission(models.Model):
    """One cell of the matrix: what a role may do to a service."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="permissions")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="permissions")
    can_create = models.BooleanField(default=False)
    can_read = models.BooleanField(default=False)
    can_update = models.BooleanField(default=False)
    can_delete = models.BooleanField(default=False)

    class Meta:
        ordering = ["role_id", "service_id"]
        constraints = [models.UniqueConstraint(fields=["role", "service"], name="permission_role_service_unique")]

    def __str__(self):
        ops = "".join(op[0].upper() for op in ("create", "read", "update", "delete") if getattr(self, f"can_{op}"))
        return f"{self.role} × {self.service}: {ops or '—'}"


def keep_an_organizer(collector, field, sub_objs, using):
    """``on_delete`` of a role's user: deleting the last Organizer of an event is refused
    (``ProtectedError``; the admin lists the role as protected and deletes nothing), since
    an event always has someone who manages its roles (``services.revoke_role``). Other
    roles go with their user."""
    leaving = {event_role.user_id for event_role in sub_objs}
    organizer = Role.objects.filter(name=Role.ORGANIZER).values_list("pk", flat=True).first()
    last = [
        event_role
        for event_role in sub_objs
        if event_role.role_id == organizer
        and not EventRole._base_manager.filter(event_id=event_role.event_id, role_id=event_role.role_id)
        .exclude(user_id__in=leaving)
        .exists()
    ]
    if last:
        raise models.ProtectedError(
            "An event needs an Organizer: hand the role to someone else before deleting its last one.", last
        )
    models.CASCADE(collector, field, sub_objs, using)


class EventRole(models.Model):
    """A user holds a role in an event."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=keep_an_organizer, related_name="event_roles")
    event = models.ForeignKey(settings.EVENTDESK_EVENT_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="event_roles")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(event="event")  # django-scopes: in a request, its event's only

    class Meta:
        ordering = ["event_id", "role_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event", "role"], name="eventrole_user_event_role_unique")
        ]

    def __str__(self):
        return f"{self.user} is {self.role} of {self.event}"


def _invite_token():
    return secrets.token_urlsafe(32)


def _invite_expiry():
    return timezone.now() + timedelta(days=settings.EVENTDESK_INVITE_DAYS)


class RoleInvite(models.Model):
    """An invitation of an e-mail address to a role in an event."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    event = models.ForeignKey(settings.EVENTDESK_EVENT_MODEL, on_delete=models.CASCADE, related_name="role_invites")
    email = models.EmailField(validators=[validate_email_characters])
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="invites")
    token = models.CharField(max_length=64, unique=True, default=_invite_token, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invite_expiry)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(event="event")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email", "role"],
                condition=models.Q(status="pending"),
                name="roleinvite_one_pending_per_role",
            )
        ]

    def __str__(self):
        return f"{self.email} invited as {self.role} to {self.event}"

    @property
    def is_expired(self):
        return timezone.now() >= self.expires_at
