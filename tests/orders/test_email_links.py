"""The order confirmation e-mail's link (which carries the order's secret) points at the
site, never where the request's Host header says (core.links)."""

import pytest

from orders.models import Order
from tests.utils import run_tasks

pytestmark = pytest.mark.django_db


def order(client, shop, capture, **headers):
    data = {"name": "Ada", "email": "ada@example.com", "lines": [{"ticket": shop.free.pk, "quantity": 1}]}
    with capture(execute=True):
        answer = client.post(f"/api/v1/events/{shop.pk}/orders/", data, format="json", headers=headers)
    run_tasks()  # the worker sends the e-mail queued
    return answer


def test_the_order_e_mail_links_to_site_url_whatever_the_host(
    shop, api_client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://events.example.org"
    settings.ALLOWED_HOSTS = ["events.example.org", "evil.example.net", "testserver"]
    answer = order(api_client(), shop, django_capture_on_commit_callbacks, host="evil.example.net")
    assert answer.status_code == 201
    [mail] = [mail for mail in mailoutbox if mail.to == ["ada@example.com"]]
    assert f"https://events.example.org{Order.objects.get().get_buyer_url()}" in mail.body
    assert "evil" not in mail.body


def test_without_site_url_a_host_not_named_is_a_json_400_and_no_order(
    shop, api_client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["*"]
    answer = order(api_client(), shop, django_capture_on_commit_callbacks, host="evil.example.net")
    assert answer.status_code == 400
    assert "host" in answer.json()["detail"]
    assert not Order.objects.exists()
    assert mailoutbox == []
