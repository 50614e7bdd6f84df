"""``{% load orders %}{% order_form %}``: the order form on an event's public home
(templates/events/public/home.html). A template tag, so that the events app's page shows
it without events importing orders (the layering, docs/architecture.md)."""

from django import template

from orders.forms import order_form_for

register = template.Library()


@register.inclusion_tag("orders/_order_form.html", takes_context=True)
def order_form(context):
    event = context["event"]
    return {"event": event, "form": order_form_for(event), "csrf_token": context.get("csrf_token")}
