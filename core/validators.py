"""Model-level rules shared by every app's models (they run in forms, the API and the admin)."""

import re
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

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


#: What a single line of text (a name, a title) may not hold: the C0 and C1 control
#: characters (NUL, tab, LF, CR, ESC ... U+0000-U+001F, DEL, U+0080-U+009F, NEL among
#: them) and the Unicode line and paragraph separators (U+2028, U+2029). Names go into
#: e-mail subjects, iCalendar lines, CSV cells and HTTP headers, where a line break is a
#: new header or record.
NOT_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
SINGLE_LINE_ERROR = "Enter a single line, without line breaks or control characters."


def validate_single_line(value):
    """A name or a title is one line of text: no line break or other control character.

    The validator of every single-line model field (forms, the API's model serializers and
    the admin run it); serializers and forms that are not made from a model name it too.
    """
    if isinstance(value, str) and NOT_SINGLE_LINE.search(value):
        raise ValidationError(SINGLE_LINE_ERROR, code="single_line")


def validate_email_characters(value):
    """An e-mail address holds no control character or line separator: Django's validator
    takes ESC or VT in a quoted local part and U+2028 in an internationalised domain, and
    an address goes into mail headers, console output and CSV cells. The validator of every
    e-mail field (models, forms, the API's serializers), beside Django's own."""
    if isinstance(value, str) and NOT_SINGLE_LINE.search(value):
        raise ValidationError("Enter a valid e-mail address.", code="invalid")


def check_email_address(email):
    """For services that take an address from anywhere (a page, the API, the shell):
    Django's validator and ``validate_email_characters``, refused as a ``ValidationError``
    keyed ``email``."""
    try:
        validate_email(email)
        validate_email_characters(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from None


def single_line(text):
    """``text`` made one line, whatever it holds (rows stored before the rule, text that
    never passed a form): every run of spaces, line breaks, controls and separators becomes
    one space. For e-mail subjects and other places where a line break would be harmful."""
    return " ".join(NOT_SINGLE_LINE.sub(" ", str(text)).split()) if text else ""
