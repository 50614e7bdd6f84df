"""The attendees' order pages, under an event's public pages ``/e/<slug>/`` (config.urls)."""

from django.urls import path

from orders import views

urlpatterns = [
    path("order/", views.order_page_form, name="event_order"),
    path("orders/<str:code>/<str:secret>/", views.order_page, name="order_page"),
    path("orders/<str:code>/<str:secret>/cancel/", views.order_cancel, name="order_cancel"),
]
