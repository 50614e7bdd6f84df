"""ISO 4217 currency codes offered for events (the widely used subset).

The list is the form's choices and the model's validator, not a model field's
``choices``: a field's choices are copied into migrations, and this list may grow
without one.
"""

from django.core.exceptions import ValidationError

CURRENCY_CHOICES = [
    ("AED", "AED — UAE Dirham"),
    ("ARS", "ARS — Argentine Peso"),
    ("AUD", "AUD — Australian Dollar"),
    ("BDT", "BDT — Bangladeshi Taka"),
    ("BGN", "BGN — Bulgarian Lev"),
    ("BRL", "BRL — Brazilian Real"),
    ("CAD", "CAD — Canadian Dollar"),
    ("CHF", "CHF — Swiss Franc"),
    ("CLP", "CLP — Chilean Peso"),
    ("CNY", "CNY — Chinese Yuan"),
    ("COP", "COP — Colombian Peso"),
    ("CZK", "CZK — Czech Koruna"),
    ("DKK", "DKK — Danish Krone"),
    ("EGP", "EGP — Egyptian Pound"),
    ("EUR", "EUR — Euro"),
    ("GBP", "GBP — Pound Sterling"),
    ("HKD", "HKD — Hong Kong Dollar"),
    ("HUF", "HUF — Hungarian Forint"),
    ("IDR", "IDR — Indonesian Rupiah"),
    ("ILS", "ILS — Israeli New Shekel"),
    ("INR", "INR — Indian Rupee"),
    ("ISK", "ISK — Icelandic Krona"),
    ("JPY", "JPY — Japanese Yen"),
    ("KES", "KES — Kenyan Shilling"),
    ("KRW", "KRW — South Korean Won"),
    ("MAD", "MAD — Moroccan Dirham"),
    ("MXN", "MXN — Mexican Peso"),
    ("MYR", "MYR — Malaysian Ringgit"),
    ("NGN", "NGN — Nigerian Naira"),
    ("NOK", "NOK — Norwegian Krone"),
    ("NZD", "NZD — New Zealand Dollar"),
    ("PEN", "PEN — Peruvian Sol"),
    ("PHP", "PHP — Philippine Peso"),
    ("PKR", "PKR — Pakistani Rupee"),
    ("PLN", "PLN — Polish Zloty"),
    ("RON", "RON — Romanian Leu"),
    ("RSD", "RSD — Serbian Dinar"),
    ("SAR", "SAR — Saudi Riyal"),
    ("SEK", "SEK — Swedish Krona"),
    ("SGD", "SGD — Singapore Dollar"),
    ("THB", "THB — Thai Baht"),
    ("TRY", "TRY — Turkish Lira"),
    ("TWD", "TWD — New Taiwan Dollar"),
    ("UAH", "UAH — Ukrainian Hryvnia"),
    ("USD", "USD — US Dollar"),
    ("VND", "VND — Vietnamese Dong"),
    ("ZAR", "ZAR — South African Rand"),
]


CURRENCY_CODES = frozenset(code for code, _label in CURRENCY_CHOICES)


def validate_currency(value):
    if value not in CURRENCY_CODES:
        raise ValidationError("%(value)s is not a currency Eventdesk offers.", params={"value": value}, code="invalid")
