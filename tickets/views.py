"""Page 2 of the event-creation wizard (``events.views.wizard`` has the other pages and
the steps' navigation): the event's tickets as one formset, saved by
``tickets.services.save_tickets``."""

from django.core.exceptions import ValidationError
from django.views.generic import TemplateView

from events.views.wizard import EventStepMixin, redirect_to_step
from tickets.forms import TicketFormSet
from tickets.services import ConcurrentChange, save_tickets


class TicketsStepView(EventStepMixin, TemplateView):
    """Page 2: the event's tickets as one formset. Both Back and Continue save first,
    so nothing entered is lost; nothing is saved unless every row is valid."""

    template_name = "events/wizard/tickets.html"
    step = "tickets"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", TicketFormSet(instance=self.event))
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        formset = TicketFormSet(request.POST, instance=self.event)
        status = 200  # errors shown on the page, as Django's forms do
        if formset.is_valid():
            try:
                save_tickets(self.event, formset.tickets(), formset.deleted_ids(), actor=request.user)
            except ValidationError as error:
                formset.add_save_error(error)
                if isinstance(error, ConcurrentChange):
                    status = 409  # another save came first: reload, check, save again
            else:
                return redirect_to_step(self.event, "details" if request.POST.get("go") == "back" else "publish")
        return self.render_to_response(self.get_context_data(formset=formset), status=status)
