"""Filters of the public pages: ``{{ session.abstract|rich_text }}`` (sanitized HTML)."""

from django import template

from events import public

register = template.Library()


@register.filter(is_safe=True)
def rich_text(value):
    """Plain text or HTML as safe HTML: only harmless tags, links to http(s) and mailto."""
    return public.rich_text(value)
