"""Page 2 of the event-creation wizard (``events.views.wizard`` has the other pages and
the steps' navigation): the event's tickets as one formset, saved by
``tickets.services.save_tickets``. It follows the matrix's ``ticket`` row: reading the
page needs its read; a save needs create for new rows, update for changed ones and delete
for removed ones (else 403, nothing saved), and the page offers only what the role may do."""

import copy

from django.core.exceptions import PermissionDenied, ValidationError
from django.views.generic import TemplateView

from core.errors import Conflict
from core.views import refusal_status
from events.views.wizard import EventStepMixin, redirect_to_step
from tickets.forms import TicketFormSet
from tickets.models import Ticket
from tickets.services import save_tickets


class TicketsStepView(EventStepMixin, TemplateView):
    """Page 2: the event's tickets as one formset. Both Back and Continue save first,
    so nothing entered is lost; nothing is saved unless every row is valid."""

    template_name = "events/wizard/tickets.html"
    step = "tickets"
    resource = Ticket.resource_name
    CHANGES = ("create", "update", "delete")

    def allowed(self, operation):
        return self.request.event_permissions.allows(self.resource, operation)

    def has_permission(self):
        if self.request.method == "POST":  # which changes a save makes is checked in post()
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

    def changes(self, formset):
        """The operations saving this (valid) formset makes: a stored ticket is updated if
        its row changed or the rows put the stored tickets in another order. (Renumbering
        what stays in order, as a new or a removed row does, is part of that change.)"""
        kept = formset.kept_forms()
        stored = [form.instance for form in kept if form.instance.pk is not None]
        reordered = stored != sorted(stored, key=lambda ticket: (ticket.position, ticket.pk))
        made = {
            "create": any(form.instance.pk is None for form in kept),
            "update": reordered
            or any(form.instance.pk is not None and form.has_changed() for form in kept)
            or any(self.sent_changes(form) for form in formset.initial_forms),
            "delete": bool(formset.deleted_ids()),
        }
        return {operation for operation, happens in made.items() if happens}

    @staticmethod
    def sent_changes(form):
        """Does the request change a field shown read-only (which Django would ignore)?"""
        for name, field in form.fields.items():
            if field.disabled:
                sent = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
                enabled = copy.copy(field)
                enabled.disabled = False
                if enabled.has_changed(form.get_initial_for_field(field, name), sent):
                    return True
        return False

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
            changes = self.changes(formset)
            refused = [operation for operation in changes if not self.allowed(operation)]
            if refused:
                raise PermissionDenied(f"Your role in this event does not allow this ({', '.join(refused)} tickets).")
            if not changes:  # nothing to save (and a role without update must not renumber)
                return redirect_to_step(self.event, "details" if request.POST.get("go") == "back" else "publish")
            try:
                save_tickets(self.event, formset.tickets(), formset.deleted_ids(), actor=request.user)
            except (ValidationError, Conflict) as error:
                formset.add_save_error(error)
                status = refusal_status(error)  # a conflict: 409, reload, check, save again
            else:
                return redirect_to_step(self.event, "details" if request.POST.get("go") == "back" else "publish")
        return self.render_to_response(self.get_context_data(formset=formset), status=status)
