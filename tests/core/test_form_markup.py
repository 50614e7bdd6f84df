"""The markup of every form (templates/_form.html, _field.html, core.forms): required
fields marked, an error summary at the top of long forms, failing inputs ``is-invalid``
and the ids Django's ``aria-describedby`` points to present on the page."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from events.models import Track

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Every element's tag and attributes, in order; ``text`` of the whole page."""

    def __init__(self, html):
        super().__init__()
        self.elements, self.texts = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)

    def by_id(self, element_id):
        return [attrs for _, attrs in self.elements if attrs.get("id") == element_id]

    def named(self, name):
        [attrs] = [attrs for tag, attrs in self.elements if attrs.get("name") == name and tag != "meta"]
        return attrs

    def with_testid(self, testid):
        return [attrs for _, attrs in self.elements if attrs.get("data-testid") == testid]


def classes(attrs):
    return (attrs.get("class") or "").split()


def post_bad_session(client, event):
    return client.post(
        reverse("events:session-create", args=[event.pk]),
        {"title": "", "starts_at": "not a date", "ends_at": "", "abstract": "x"},
    )


def test_failing_inputs_are_invalid_and_described_by_their_errors(organizer_client, event):
    response = post_bad_session(organizer_client, event)
    assert response.status_code in (200, 400)
    page = Elements(response.content.decode())
    for name in ("title", "starts_at", "ends_at"):
        field = page.named(name)
        assert "is-invalid" in classes(field), name
        assert field.get("aria-invalid") == "true"
        targets = field["aria-describedby"].split()
        assert f"id_{name}_error" in targets
        for target in targets:  # every id the input points to is on the page, once
            assert len(page.by_id(target)) == 1, target
    # An input that passed is neither red nor described by an error.
    abstract = page.named("abstract")
    assert "is-invalid" not in classes(abstract)
    assert "aria-invalid" not in abstract


def test_help_texts_carry_the_id_the_input_points_to(organizer_client, event):
    response = organizer_client.get(reverse("events:settings", args=[event.pk]))
    page = Elements(response.content.decode())
    field = page.named("payment_instructions")
    assert field["aria-describedby"] == "id_payment_instructions_helptext"
    assert len(page.by_id("id_payment_instructions_helptext")) == 1


def test_required_fields_are_marked_and_the_mark_explained(organizer_client, event):
    response = organizer_client.get(reverse("events:session-create", args=[event.pk]))
    html = response.content.decode()
    page = Elements(html)
    assert page.with_testid("required-hint")
    assert "required" in page.named("title")
    assert "required" not in page.named("abstract")
    # The title's label ends with the mark; the abstract's has none.
    label_of = html.split('for="id_title"', 1)[1].split("</label>", 1)[0]
    assert 'class="required-mark"' in label_of
    label_of = html.split('for="id_abstract"', 1)[1].split("</label>", 1)[0]
    assert "required-mark" not in label_of


def test_a_long_form_that_fails_sums_its_errors_up_at_the_top_with_links(organizer_client, event):
    html = post_bad_session(organizer_client, event).content.decode()
    page = Elements(html)
    [summary] = page.with_testid("error-summary")
    assert summary["role"] == "alert"
    assert summary["tabindex"] == "-1"
    summary_html = html.split('data-testid="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "There are 3 problems with this form" in summary_html
    for name in ("title", "starts_at", "ends_at"):
        assert f'href="#id_{name}"' in summary_html
    assert html.index('data-testid="error-summary"') < html.index('name="title"')


def test_a_form_without_errors_has_no_summary(organizer_client, event):
    html = organizer_client.get(reverse("events:session-create", args=[event.pk])).content.decode()
    assert not Elements(html).with_testid("error-summary")


def test_a_refusal_after_cleaning_marks_its_field_too(organizer_client, event):
    """The name taken (found when the service saves) is the name's error, red and described."""
    Track.objects.create(event=event, name="Web")
    response = organizer_client.post(
        reverse("events:track-create", args=[event.pk]), {"name": "WEB", "color": "#123456"}
    )
    page = Elements(response.content.decode())
    name = page.named("name")
    assert "is-invalid" in classes(name)
    assert "id_name_error" in name["aria-describedby"].split()
    assert len(page.by_id("id_name_error")) == 1


def test_read_only_settings_mark_nothing_required(client, event, user_with_role):
    """A role that may only read sees the fields disabled: no required marks, no hint."""
    client.force_login(user_with_role(event, "moderator"))
    response = client.get(reverse("events:settings", args=[event.pk]))
    if response.status_code != 200:
        pytest.skip("the settings page is not shown to this role")
    html = response.content.decode()
    assert "required-mark" not in html
    assert not Elements(html).with_testid("required-hint")
