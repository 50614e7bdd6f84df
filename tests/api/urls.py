"""The URLs of the public API of an event."""

from django.urls import reverse

LISTS = ["track", "session", "speaker", "sponsor", "microlocation", "ticket"]


def public_urls(event, schedule):
    urls = {
        "events": reverse("api:event-list") + "?published=true",
        "event": reverse("api:event-detail", args=[event.pk]),
        "versions": reverse("api:event-versions", args=[event.pk]),
    }
    for name in LISTS:
        urls[f"{name}s"] = reverse(f"api:{name}-list", args=[event.pk])
        urls[name] = reverse(f"api:{name}-detail", args=[event.pk, getattr(schedule, name).pk])
    return urls
