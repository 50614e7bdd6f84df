"""The organizers' order pages, in an event's dashboard (under ``/events/``, config.urls)."""

from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("<int:event_id>/dashboard/sales/", views.SalesView.as_view(), name="sales"),
    path("<int:event_id>/dashboard/orders/", views.OrderListView.as_view(), name="list"),
    path("<int:event_id>/dashboard/orders.csv", views.OrdersCsvView.as_view(), name="orders-csv"),
    path("<int:event_id>/dashboard/attendees.csv", views.AttendeesCsvView.as_view(), name="attendees-csv"),
    path("<int:event_id>/dashboard/orders/<str:code>/", views.OrderDetailView.as_view(), name="detail"),
    path(
        "<int:event_id>/dashboard/orders/<str:code>/paid/",
        views.OrderActionView.as_view(action="paid"),
        name="mark-paid",
    ),
    path(
        "<int:event_id>/dashboard/orders/<str:code>/cancel/",
        views.OrderActionView.as_view(action="cancel"),
        name="cancel",
    ),
]
