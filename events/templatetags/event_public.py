"""Filters and tags of the public pages: ``{{ session.abstract|rich_text }}`` (sanitized
HTML); ``{% home_sections %}``, what other apps add to the event's home."""

from django import template
from django.utils.html import format_html_join

from events import public

register = template.Library()


@register.filter(is_safe=True)
def rich_text(value):
    """Plain text or HTML as safe HTML: only harmless tags, links to http(s) and mailto."""
    return public.rich_text(value)


@register.simple_tag(takes_context=True)
def home_sections(context):
    """The sections apps above events add to the public home (``public.add_home_section``)."""
    flat = context.flatten()
    return format_html_join("", '<div class="mb-4">{}</div>', ((render(flat),) for render in public.HOME_SECTIONS))
