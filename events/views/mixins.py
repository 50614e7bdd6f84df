"""View pieces the dashboard and the wizard share."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from events import services
from events.forms import EventSettingsForm


class InvalidFormIsBadRequestMixin:
    def form_invalid(self, form):
        """A rejected form is bad input: the page shows the errors, answering 400."""
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class EventFieldsFormMixin(InvalidFormIsBadRequestMixin):
    """A form of the event's own fields (``EventSettingsForm``) on ``self.event``, saved
    through ``events.services.update_event``; then ``success_message`` (if any) and a
    redirect to ``get_success_url()``."""

    form_class = EventSettingsForm
    success_message = None

    def get_form_kwargs(self):
        # The form works on a copy: a rejected form must not leave its values on
        # self.event, which the page shows.
        return {**super().get_form_kwargs(), "instance": copy.copy(self.event)}

    def form_valid(self, form):
        try:
            services.update_event(self.event, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())
