from django.contrib import admin

from tickets.models import Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "type", "price", "quantity", "hidden"]
    list_filter = ["type", "hidden"]
    list_select_related = ["event"]
    readonly_fields = ["version"]
