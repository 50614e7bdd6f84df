"""Form helpers for templates/_form.html (``{% load formtags %}``)."""

from django import template

register = template.Library()


@register.filter
def has_required(form):
    """Whether ``form`` has a visible field that must be filled (and can be)."""
    return any(f.field.required and not f.field.disabled for f in form.visible_fields())


@register.filter
def error_summary(form):
    """The form's errors for the summary at its top: ``(anchor, label, message)`` each,
    ``anchor`` the id of the failing input (``""`` for the form's own errors)."""
    items = [("", "", str(error)) for error in form.non_field_errors()]
    for field in form:
        if field.is_hidden:
            items += [("", field.label, str(error)) for error in field.errors]
            continue
        items += [(field.id_for_label or field.auto_id or "", field.label, str(error)) for error in field.errors]
    return items
