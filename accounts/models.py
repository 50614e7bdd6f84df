from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin, _user_has_perm
from django.db import models
from django.utils import timezone

from core.validators import validate_email_characters, validate_single_line


def canonical_address(email):
    """``email`` as accounts store it (``User.clean``) and as addresses are compared: stripped
    and lower-cased by Python. Two addresses are the same when these are equal, and only
    then: never by the database's case-insensitive comparison (``iexact``), which on
    PostgreSQL is UPPER on both sides and so also takes a dotless ı for an i and a long ſ
    for an s (``bob@gmaıl.com``, whose domain is xn--gmal-nza.com, anyone's to register,
    would be ``bob@gmail.com``)."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_admin", False)
        extra.setdefault("is_super_admin", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        """A super admin: may do everything, including editing the permission matrix.
        Made by an operator (``createsuperuser``, ``createsuperadmin``), so the address
        counts as confirmed."""
        extra["is_super_admin"] = True
        extra.setdefault("email_confirmed_at", timezone.now())
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        # The address as stored, compared exactly: PostgreSQL's iexact would take
        # bob@gmaıl.com for bob@gmail.com (canonical_address).
        return self.get(email=canonical_address(email))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address.

    System roles: ``is_super_admin`` may do everything (and alone edits the permission
    matrix); ``is_admin`` may read everything. Either one gives Django admin access
    (``is_staff``). Event roles live in ``permissions.EventRole``; what a user may do
    in an event is answered by ``permissions.checks`` (``may``, ``has_role``).
    """

    email = models.EmailField("e-mail address", unique=True, validators=[validate_email_characters])
    full_name = models.CharField(max_length=150, blank=True, validators=[validate_single_line])
    is_active = models.BooleanField(default=True)
    is_admin = models.BooleanField("admin", default=False, help_text="May read everything.")
    is_super_admin = models.BooleanField(
        "super admin", default=False, help_text="May do everything, including editing permissions."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    email_confirmed_at = models.DateTimeField(
        "e-mail address confirmed",
        null=True,
        blank=True,
        help_text="When the owner opened the confirmation link sent to the address; empty: not confirmed. "
        "Nothing addressed to the address (invitations, speaker profiles) reaches an unconfirmed account.",
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        # The address as ``save`` stores it, before a form's unique check (which runs after
        # ``clean``): another spelling of a taken address is "already exists", not an
        # IntegrityError when saved (the admin's add and change forms).
        self.email = canonical_address(self.email)

    @property
    def email_confirmed(self):
        return self.email_confirmed_at is not None

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        # A changed address is not confirmed, however it is changed (the admin, a shell).
        update_fields = kwargs.get("update_fields")
        if (
            self.email_confirmed_at is not None
            and not self._state.adding
            and (update_fields is None or "email" in update_fields)
        ):
            stored = type(self)._default_manager.filter(pk=self.pk).values_list("email", flat=True).first()
            if stored is not None and stored != self.email:
                self.email_confirmed_at = None
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "email_confirmed_at"}
        # Django's own superuser flag follows the super admin, so the admin's model
        # permissions agree with ours.
        self.is_superuser = self.is_super_admin
        super().save(*args, **kwargs)

    @property
    def is_staff(self):
        return self.is_admin or self.is_super_admin

    # Django's model permissions (the admin asks these): the super admin is Django's
    # superuser (all of them); an admin may read everything, so holds every view_* one.
    # The event permissions (``eventdesk.*``: permissions.backends) are the one check's
    # answers, whoever asks: not Django's "an active superuser has every permission".
    def has_perm(self, perm, obj=None):
        if isinstance(perm, str) and perm.startswith(EVENT_PERMS):
            return _user_has_perm(self, perm, obj)
        if self.is_active and self.is_admin and perm.partition(".")[2].startswith("view_"):
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        return (self.is_active and self.is_admin) or super().has_module_perms(app_label)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def greeting_name(self):
        """The name e-mails to the account's address greet it by ("Hello Ada,"), or ``""``
        ("Hello,"): an unconfirmed account's name is whoever signed up's word, not the
        mailbox owner's, and account mail (confirmation, "someone tried to sign up",
        password reset) goes to that mailbox on anyone's request, so the name would be a
        stranger's text in the site's own mail (a name like a link)."""
        return self.get_short_name() if self.email_confirmed else ""

    # --- the seed's permission methods, as the original system's shell and decorators call
    # them: Django's has_perm(perm, event), answered by permissions.backends from
    # permissions.checks (``may``, ``has_role``). ``service`` is a resource's name
    # ("track", ...) or its model; ``event`` an Event or its id. An unknown one: ValueError.

    def can_create(self, service, event):
        return self.has_perm(_cell_perm(service, "create"), event)

    def can_read(self, service, event):
        return self.has_perm(_cell_perm(service, "read"), event)

    def can_update(self, service, event):
        return self.has_perm(_cell_perm(service, "update"), event)

    def can_delete(self, service, event):
        return self.has_perm(_cell_perm(service, "delete"), event)

    def has_role(self, event):
        return self.has_perm(f"{EVENT_PERMS}has_role", event)

    def is_organizer(self, event):
        return self.has_perm(f"{EVENT_PERMS}is_organizer", event)

    def is_coorganizer(self, event):
        return self.has_perm(f"{EVENT_PERMS}is_coorganizer", event)

    def is_track_organizer(self, event):
        return self.has_perm(f"{EVENT_PERMS}is_track_organizer", event)

    def is_moderator(self, event):
        return self.has_perm(f"{EVENT_PERMS}is_moderator", event)


# The event permissions' names (permissions.backends, which answers them; accounts sits
# below permissions and imports nothing of it).
EVENT_PERMS = "eventdesk."


def _cell_perm(service, operation):
    return f"{EVENT_PERMS}{getattr(service, 'resource_name', service)}.{operation}"


class ApiToken(models.Model):
    """An API token (``Authorization: Token <key>``), stored as the SHA-256 digest of its
    key: the key is shown once, in the answer that makes it (``accounts.tokens.issue_token``),
    and never again, to anyone, the database included (as GitHub's and django-rest-knox's
    tokens). Keys are 160 random bits, so an unsalted digest cannot be reversed or guessed;
    the digest is looked up by its unique index (``accounts.authentication``). A user may
    hold several (one per device), up to ``MAX_PER_USER``."""

    MAX_PER_USER = 10

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created", "-id"]

    def __str__(self):
        # Its owner, never its digest: admin titles, delete pages, logs.
        return f"API token of {self.user}" if self.user_id else "API token"
