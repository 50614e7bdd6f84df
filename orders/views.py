"""Pages of orders.

Attendees (no account needed), under the event's public pages ``/e/<slug>/``:
``order/`` (the order form, also shown on the event's home through the ``order_form``
template tag) and ``orders/<code>/<secret>/`` (the order: state, lines, total, payment
instructions; a pending one can be cancelled there).

Organizers, in the event's dashboard (the matrix's ``order`` row): the Tickets tab (per
ticket: quantity, paid, pending, available), the orders (search, filter by state), one
order with Mark paid and Cancel, and the CSV exports of orders and attendees (streamed).
"""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import TemplateView, View

from core.errors import Conflict
from core.links import site_root
from core.views import refusal_status
from events.scope import enter_event
from events.views.dashboard import DashboardMixin
from events.views.mixins import EventPermissionMixin
from orders import services
from orders.forms import order_form_for
from orders.models import Order
from orders.throttling import client_digest, order_throttles

# --- attendees ---------------------------------------------------------------------------


def _public(request, template, context, status=200):
    event = request.event
    context = {"event": event, "can_manage": request.event_permissions.allows_event("read"), "nav": "home", **context}
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "private, no-cache"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def order_page_form(request, slug):
    """``GET``: the order form alone; ``POST``: place the order (``place_order_once``,
    with the page's one-time token), then to the order's page; the same page sent again,
    to the order it placed. Refused: the form again with the errors (200), or what is
    left (409), or the limits: orders per address or account, unpaid seats held (429)."""
    event = enter_event(request, slug=slug)
    if request.method != "POST":
        return _public(request, "orders/order_form_page.html", {"form": order_form_for(event)})
    for throttle in order_throttles():
        if not throttle.allow_request(request, None):
            wait = max(1, round(throttle.wait() or 1))
            form = order_form_for(event)
            refusal = f"Too many orders from your address or account. Try again in {wait} seconds."
            response = _public(request, "orders/order_form_page.html", {"form": form, "refusal": refusal}, status=429)
            response["Retry-After"] = str(wait)
            return response
    form = order_form_for(event, request.POST)
    status, retry_after = 200, None  # errors shown on the page, as Django's forms do
    if form.is_valid():
        try:
            record, placed = services.place_order_once(
                event,
                scope=f"form:{event.pk}",
                key=form.cleaned_data["once"],
                answer=lambda order: (303, {"url": order.get_buyer_url()}),
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                lines=form.lines(),
                site_url=site_root(request),  # SITE_URL, or a named host (core.links)
                actor=request.user,  # the buyer's account, if logged in
                client=client_digest(request),
            )
        except services.InvalidOrder as error:
            form.add_service_errors(error)
        except services.TooManyHeld as error:
            form.add_error(None, error.message)
            form = _keep_posted(form, event)
            status, retry_after = 429, error.retry_after
        except Conflict as error:  # not enough left, or another request came first
            form.add_error(None, error.message)
            form = _keep_posted(form, event)
            status = refusal_status(error)
        else:
            if not placed:
                messages.info(request, "This order form was sent already: here is the order it placed.")
            return HttpResponseRedirect(record.body["url"], status=303)
    response = _public(request, "orders/order_form_page.html", {"form": form}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _keep_posted(form, event):
    """The posted form with fresh availability (the numbers changed)."""
    fresh = order_form_for(event, form.data)
    fresh.is_valid()
    fresh.errors.clear()  # the posted form's errors, not the fresh one's
    fresh.errors.update(form.errors)
    return fresh


def _buyers_order(request, slug, code, secret):
    order = services.order_for_buyer(enter_event(request, slug=slug), code, secret)
    if order is None:
        raise Http404("No such order.")
    return order


@require_http_methods(["GET", "HEAD"])
def order_page(request, slug, code, secret):
    """The buyer's page of the order (the secret is in the link)."""
    order = _buyers_order(request, slug, code, secret)
    lines = order.lines.select_related("ticket")
    return _public(request, "orders/order_page.html", {"order": order, "lines": lines})


@require_POST
def order_cancel(request, slug, code, secret):
    """The buyer cancels a pending order (its seats are freed)."""
    order = _buyers_order(request, slug, code, secret)
    try:
        services.cancel_order(order, actor=request.user, by_buyer=True)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your order is cancelled.")
    return HttpResponseRedirect(order.get_buyer_url(), status=303)


# --- organizers --------------------------------------------------------------------------


class OrdersDashboardMixin(DashboardMixin, EventPermissionMixin):
    resource = "order"
    operation = "read"

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response.setdefault("Cache-Control", "private, no-cache")
        return response


class SalesView(OrdersDashboardMixin, TemplateView):
    """The Tickets tab: per ticket, its quantity, paid, pending and available seats."""

    nav = "sales"
    template_name = "orders/dashboard/sales.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"], context["totals"] = services.sales(self.event)
        return context


class OrderListView(OrdersDashboardMixin, TemplateView):
    nav = "orders"
    template_name = "orders/dashboard/order_list.html"

    def get(self, request, *args, **kwargs):
        orders = Order.objects.filter(event=self.event)
        try:
            self.orders = services.find_orders(orders, state=request.GET.get("state", ""), q=request.GET.get("q", ""))
        except ValidationError as error:
            self.orders, self.problem = Order.objects.none(), error.messages[0]
            return self.render_to_response(self.get_context_data(), status=400)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(self.orders, 50).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            orders=page.object_list,
            states=Order.State.choices,
            q=self.request.GET.get("q", ""),
            state=self.request.GET.get("state", ""),
            problem=getattr(self, "problem", None),
        )
        return context


class OrderObjectMixin(OrdersDashboardMixin):
    def get_order(self):
        order = get_object_or_404(Order, event=self.event, code=self.kwargs["code"])
        order.event = self.event
        return order


class OrderDetailView(OrderObjectMixin, TemplateView):
    nav = "orders"
    template_name = "orders/dashboard/order_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.get_order()
        context.update(order=order, lines=order.lines.select_related("ticket"))
        return context


class OrderActionView(OrderObjectMixin, View):
    """Mark paid or cancel (the matrix's order update), then back to the order."""

    operation = "update"
    http_method_names = ["post"]
    action = None

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        try:
            if self.action == "paid":
                services.mark_paid(order, actor=request.user)
                messages.success(request, f"Order {order.code} is paid.")
            else:
                services.cancel_order(order, actor=request.user)
                messages.success(request, f"Order {order.code} is cancelled: its seats are free again.")
        except Conflict as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(order.get_dashboard_url(), status=303)


# --- CSV exports, streamed ----------------------------------------------------------------


class Echo:
    def write(self, value):
        return value


def safe_cell(value):
    """A cell a spreadsheet will not run as a formula (a buyer's name is their own words)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def stream_csv(filename, header, rows):
    writer = csv.writer(Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _when(value, event):
    return timezone.localtime(value, event.tzinfo).strftime("%Y-%m-%d %H:%M") if value else ""


class OrdersCsvView(OrdersDashboardMixin, View):
    def get(self, request, *args, **kwargs):
        event = self.event
        orders = Order.objects.filter(event=event).order_by("created_at", "id")

        def rows():
            for order in orders.iterator(chunk_size=500):
                yield [
                    order.code,
                    order.get_state_display(),
                    order.name,
                    order.email,
                    order.total,
                    event.currency,
                    _when(order.created_at, event),
                    _when(order.paid_at, event),
                    _when(order.expires_at, event) if order.is_pending else "",
                ]

        header = ["Code", "State", "Name", "E-mail", "Total", "Currency", "Ordered", "Paid", "Expires"]
        return stream_csv(f"{event.slug}-orders.csv", header, rows())


class AttendeesCsvView(OrdersDashboardMixin, View):
    """One row per ticket bought (a line of 3 is 3 rows), of the orders holding their seats
    (paid, and pending within their hold: ``services.attendee_lines``)."""

    def get(self, request, *args, **kwargs):
        event = self.event
        lines = services.attendee_lines(event)

        def rows():
            for line in lines.iterator(chunk_size=500):
                for number in range(1, line.quantity + 1):
                    yield [
                        line.order.code,
                        f"{line.order.code}-{line.id}-{number}",
                        line.ticket.name,
                        line.order.name,
                        line.order.email,
                        line.order.get_state_display(),
                        line.unit_price,
                    ]

        header = ["Order", "Ticket number", "Ticket", "Name", "E-mail", "Order state", "Price"]
        return stream_csv(f"{event.slug}-attendees.csv", header, rows())
