"""Model-level rules shared by every app's models (they run in forms, the API and the admin)."""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError

#: The window of dates and times stored (in UTC; ``DATETIME_MAX`` excluded): wide enough
#: for any event, narrow enough that every time zone can show every value (Python's
#: dates end at the years 1 and 9999 in *every* zone, so 9999-12-31 23:59 at UTC-12 is
#: already past the end in UTC).
DATETIME_MIN = datetime(1900, 1, 1, tzinfo=UTC)
DATETIME_MAX = datetime(2201, 1, 1, tzinfo=UTC)
DATETIME_RANGE_ERROR = f"Enter a date and time between the years {DATETIME_MIN.year} and {DATETIME_MAX.year - 1}."


def validate_datetime_range(value):
    """A date and time in the years 1900 to 2200, in UTC: the rule of every date and time
    field (forms, API and admin run it as the model field's validator).

    Compared, not converted: converting an extreme value to UTC may itself overflow.
    """
    if value is None:
        return
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    if not DATETIME_MIN <= value < DATETIME_MAX:
        raise ValidationError(DATETIME_RANGE_ERROR, code="datetime_range")


#: Longest free text (a description, an abstract, a bio), in characters. Names and titles
#: are limited by their columns.
MAX_TEXT_LENGTH = 10_000
