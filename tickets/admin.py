"""The super admin's view of tickets: every write goes through tickets.services, by the
rules of the wizard and the API (``check_ticket_set``), the event's row locked first
(``lock_event``) as every write of tickets does. The admin runs each of its pages in one
transaction: the change and delete pages lock the event before reading the ticket, the
add page once the form names the event.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse

from core.errors import Conflict
from tickets import services
from tickets.models import Ticket


class TicketAdminForm(forms.ModelForm):
    def validate_unique(self):
        """The rules of the event's tickets together (``services.check_with_others``),
        holding the event's lock until the page's transaction ends."""
        super().validate_unique()
        ticket = self.instance
        if ticket.event_id is None:
            return  # no event chosen: the field says so
        try:
            event = services.lock_event(ticket.event_id)
            services.check_with_others(event, ticket)
        except ValidationError as error:
            for field, errors in error.update_error_dict({}).items():
                if not self.has_error(field):
                    self.add_error(None if field not in self.fields else field, errors)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketAdminForm
    list_display = ["name", "event", "type", "price", "quantity", "hidden"]
    list_filter = ["type", "hidden"]
    list_select_related = ["event"]
    readonly_fields = ["version"]
    actions = ["delete_selected"]

    def get_readonly_fields(self, request, obj=None):
        # A ticket stays in its event (the rules of two events' tickets would change at once).
        return [*self.readonly_fields, "event"] if obj is not None else self.readonly_fields

    def get_object(self, request, object_id, from_field=None):
        ticket = super().get_object(request, object_id, from_field)
        if ticket is not None and request.method == "POST" and transaction.get_connection().in_atomic_block:
            # The event's row first, then the ticket as it is now: the order of every
            # write of tickets (a ticket's row locked first could deadlock with the wizard).
            try:
                services.lock_event(ticket.event_id)
            except services.ConcurrentChange:
                return None  # the event, so the ticket, is gone
            ticket = super().get_object(request, object_id, from_field)
        return ticket

    def save_model(self, request, obj, form, change):
        services.save_ticket(obj, actor=request.user)

    def delete_model(self, request, obj):
        services.delete_ticket(obj, actor=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ValidationError, Conflict) as error:  # refused by the rules, or changed meanwhile: rolled back
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[object_id]))

    def delete_queryset(self, request, queryset):
        services.delete_tickets(queryset, actor=request.user)

    @admin.action(permissions=["delete"], description=django_delete_selected.short_description)
    def delete_selected(self, request, queryset):
        """Django's action, all or nothing: refused by the rules, nothing is deleted or logged."""
        try:
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except (ValidationError, Conflict) as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
