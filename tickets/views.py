"""Page 2 of the event-creation wizard (``events.views.wizard`` has the other pages and
the steps' navigation): the event's tickets as one formset, saved by
``tickets.services.save_tickets``. It follows the matrix's ``ticket`` row: reading the
page needs its read; a save needs create for new rows, update for changed ones and delete
for removed ones (else 403, nothing saved: ``save_tickets`` finds what changes and asks
the role, ``may``), and the page offers only what the role may do. The view parses (the
formset), calls and renders."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import TemplateView

from core.errors import Conflict
from core.views import refusal_status
from events.views.wizard import EventStepMixin, neighbour_step
from tickets.forms import TicketFormSet
from tickets.models import Ticket
from tickets.services import save_tickets


class TicketsStepView(EventStepMixin, TemplateView):
    """Page 2: the event's tickets as one formset. Both Back and Continue save first,
    so nothing entered is lost; nothing is saved unless every row is valid."""

    template_name = "tickets/wizard.html"
    step = "tickets"
    resource = Ticket.resource_name
    CHANGES = ("create", "update", "delete")

    def allowed(self, operation):
        return self.request.event_permissions.allows(self.resource, operation)

    def has_permission(self):
        if self.request.method == "POST":  # which changes a save makes: save_tickets checks (may)
            return any(self.allowed(operation) for operation in self.CHANGES)
        return super().has_permission()

    def formset(self, data=None):
        """The formset, its stored rows read-only unless the role may update tickets."""
        formset = TicketFormSet(data, instance=self.event)
        if not self.allowed("update"):
            for form in formset.initial_forms:
                for name, field in form.fields.items():
                    if name not in (Ticket._meta.pk.name, "DELETE"):
                        field.disabled = True
        return formset

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", self.formset())
        context = super().get_context_data(**kwargs)
        context["ticket_can"] = {operation: self.allowed(operation) for operation in ("read", *self.CHANGES)}
        context["ticket_can"]["change"] = any(context["ticket_can"][op] for op in self.CHANGES)
        return context

    def post(self, request, *args, **kwargs):
        formset = self.formset(request.POST)
        status = 200  # errors shown on the page, as Django's forms do
        if formset.is_valid():
            try:
                # The service finds what the save changes and asks the role for each (else
                # ChangesNotAllowed: 403, nothing saved); nothing changed, nothing written.
                save_tickets(
                    self.event, formset.tickets(), formset.deleted_ids(), actor=request.user, may=self.allowed
                )
            except (ValidationError, Conflict) as error:
                formset.add_save_error(error)
                status = refusal_status(error)  # a conflict: 409, reload, check, save again
            else:
                # Back or Continue: the step before or after this one (events.views.wizard.STEPS).
                offset = -1 if request.POST.get("go") == "back" else 1
                return redirect(neighbour_step(self.step, offset), event_id=self.event.pk)
        return self.render_to_response(self.get_context_data(formset=formset), status=status)
