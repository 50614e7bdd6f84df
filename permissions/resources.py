"""The kinds of an event's objects that the permission matrix grants operations on: the
event's *resources* (Track, Session, ...). This tuple is the one list of their names:
``permissions.checks.RESOURCES``, ``events.models.RESOURCE_MODELS`` and
``events.forms.RESOURCE_FORMS`` derive from it. (The seed migration keeps a frozen copy,
as migrations must; a test holds it equal to this one. The matrix's rows name them in the
``permissions.Service`` table, whose name predates the word.)"""

TRACK = "track"
SESSION = "session"
SPEAKER = "speaker"
SPONSOR = "sponsor"
MICROLOCATION = "microlocation"

RESOURCES = (TRACK, SESSION, SPEAKER, SPONSOR, MICROLOCATION)
