"""The event-creation wizard: Details, Tickets, Review and publish.

``/events/new/`` shows an empty Details page; saving it creates the event as a draft
(the user becomes its Organizer) and from then on every page, and the background image
upload, works on that event's id. Each page saves what it shows before moving on, so
going back and forth keeps what was entered, and a draft can be left and resumed from
"My events". The same pages edit the event later. The pages of an existing event follow
the matrix (``events.views.mixins``): reading them needs the event's read ("ticket" read
for the tickets page), saving its update; a role that may read but not change sees them
read-only, without the buttons it could not use.

Times are entered and shown in the event's time zone: the pages activate it.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from events import images, services
from events.forms import EventSettingsForm
from events.models import Event
from events.views.mixins import EventFieldsFormMixin, EventPermissionMixin

#: The wizard's steps in order: (name, title, URL name taking the event's id). Apps above
#: events add theirs in their ``AppConfig.ready`` with ``add_wizard_step`` (tickets: its
#: Tickets page after Details); events names none of their pages.
STEPS = [
    ("details", "Details", "events:wizard-details"),
    ("publish", "Review and publish", "events:wizard-publish"),
]
STEP_URLS = {name: url_name for name, _, url_name in STEPS}


def add_wizard_step(name, title, url_name, *, after):
    """A step ``name`` right after the step ``after``; ``url_name`` takes the event's id."""
    if name in STEP_URLS:
        return
    position = [step for step, _, _ in STEPS].index(after) + 1
    STEPS.insert(position, (name, title, url_name))
    STEP_URLS[name] = url_name


#: What apps above events show on the Review page under the event's details (tickets: its
#: tickets' table), added in their ``AppConfig.ready`` with ``add_review_section``.
REVIEW_SECTIONS = []


def add_review_section(render):
    """``render(event)``: the HTML of a section of the Review page (once, however often added)."""
    if render not in REVIEW_SECTIONS:
        REVIEW_SECTIONS.append(render)


def neighbour_step(name, offset):
    """The URL name of the step ``offset`` places from ``name`` (-1: before, 1: after);
    None past the first or the last step."""
    position = [step for step, _, _ in STEPS].index(name) + offset
    return STEPS[position][2] if 0 <= position < len(STEPS) else None


class WizardMixin:
    """What every page of the wizard shows: the steps, and the event once there is one."""

    step = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = getattr(self, "event", None)
        context["event"] = event
        if event is not None:
            context["can"] = self.request.event_permissions.can
        context["step"] = self.step
        if event is not None:
            # Where Back and Continue lead: the steps beside this one, whoever serves them.
            context["previous_step"] = neighbour_step(self.step, -1)
            context["next_step"] = neighbour_step(self.step, 1)
        context["steps"] = [
            {"name": name, "title": title, "number": number, "url_name": url_name}
            for number, (name, title, url_name) in enumerate(STEPS, start=1)
        ]
        return context


class EventTimezoneMixin:
    """Runs the page, rendering included, in the time zone of ``self.event`` (loaded by
    EventPermissionMixin, which comes before this class)."""

    def dispatch(self, request, *args, **kwargs):
        with timezone.override(self.event.tzinfo):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response


class EventStepMixin(WizardMixin, EventPermissionMixin, EventTimezoneMixin):
    """A page of an existing event (anonymous → log-in page, missing event or a draft the
    user may not see → 404, not allowed → 403), in the event's time zone: reading it needs
    the event's read, a POST its update (the operation follows the HTTP method)."""

    resource = None  # the event itself


def redirect_to_step(event, name):
    return redirect(STEP_URLS[name], event_id=event.pk)


# --- 1. Details ---------------------------------------------------------------------------


class DetailsFormMixin:
    form_class = EventSettingsForm
    template_name = "events/wizard/details.html"
    step = "details"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["image_max_size"] = images.human_size(settings.EVENTDESK_IMAGE_MAX_BYTES)
        return context


class NewEventView(LoginRequiredMixin, DetailsFormMixin, WizardMixin, FormView):
    """Page 1 for an event that does not exist yet; saving creates the draft."""

    def get_initial(self):
        return {"timezone": "UTC", "currency": Event._meta.get_field("currency").default}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Event()}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not form.is_bound:
            # A new event's time zone starts as the browser's (static/js/wizard-details.js);
            # a form sent back with errors keeps the zone that was chosen.
            form.fields["timezone"].widget.attrs["data-browser-timezone"] = ""
        return form

    def form_valid(self, form):
        try:
            event = services.create_event(self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request, "Saved the draft. You can add a background image now, then continue to the tickets."
        )
        return redirect_to_step(event, "details")


class DetailsStepView(EventFieldsFormMixin, DetailsFormMixin, EventStepMixin, FormView):
    """Page 1 of an existing event: its details and its background image (read-only for
    a role that may not update the event)."""

    def get_success_url(self):
        return reverse(neighbour_step(self.step, 1), args=[self.event.pk])


# --- 2. Tickets ---------------------------------------------------------------------------


# The tickets page: tickets.views.TicketsStepView, added by tickets.apps (tickets builds on
# events, not the other way).


# --- 3. Review and publish ----------------------------------------------------------------


class PublishStepView(EventStepMixin, TemplateView):
    """Page 3: everything at a glance, what is missing, and the Publish button."""

    template_name = "events/wizard/publish.html"
    step = "publish"

    def get_context_data(self, **kwargs):
        if "problems" not in kwargs:
            kwargs["problems"] = services.publish_problems(self.event)
        context = super().get_context_data(**kwargs)
        context["review_sections"] = [render(self.event) for render in REVIEW_SECTIONS]
        return context

    def post(self, request, *args, **kwargs):
        try:
            services.publish_event(self.event, actor=request.user)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(problems=error.messages))
        messages.success(request, f"“{self.event.name}” is published.")
        return redirect(self.event.get_absolute_url())
