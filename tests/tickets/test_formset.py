"""The tickets formset (tickets.forms) and its save (tickets.services.save_tickets)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from events.models import Event
from tests.tickets.formsets import LOCAL, bind, donation, formset_data, free, paid, save, save_formset, stored_rows
from tickets.models import Ticket
from tickets.services import CONCURRENT_CHANGE, DUPLICATE_NAME, LAST_TICKET, ConcurrentChange, InvalidTickets

pytestmark = pytest.mark.django_db


def post(client, event, rows, initial=0):
    return client.post(reverse("tickets:wizard", args=[event.pk]), formset_data(rows, initial))


def tickets_ver(event):
    return Event.objects.values_list("tickets_ver", flat=True).get(pk=event.pk)


def snapshot(event):
    return list(Ticket.objects.filter(event=event).order_by("pk").values())


class TestCreate:
    def test_three_types(self, event):
        before = tickets_ver(event)
        save(event, [free(), paid(), donation()])
        stored = list(event.tickets.values_list("position", "type", "name", "price", "quantity"))
        assert stored == [
            (0, "free", "Community", None, 100),
            (1, "paid", "Regular", Decimal("25.00"), 50),
            (2, "donation", "Supporter", None, 20),
        ]
        assert tickets_ver(event) > before

    def test_details(self, event):
        starts = event.starts_at - timedelta(days=10)
        ends = event.starts_at - timedelta(days=1)
        row = free(
            description="For students",
            sales_starts_at=starts.strftime(LOCAL),
            sales_ends_at=ends.strftime(LOCAL),
            min_order=2,
            max_order=4,
        )
        save(event, [row])
        ticket = event.tickets.get()
        assert (ticket.description, ticket.min_order, ticket.max_order) == ("For students", 2, 4)
        assert (ticket.sales_starts_at, ticket.sales_ends_at) == (starts.replace(second=0), ends.replace(second=0))

    def test_blank_order_limits_follow_the_quantity(self, event):
        save(event, [free("Small room", quantity=5), free("Big room", quantity=500)])
        assert list(event.tickets.values_list("min_order", "max_order")) == [(1, 5), (1, 10)]

    def test_empty_new_rows_are_ignored(self, event):
        save(event, [free(), {}])
        assert event.tickets.count() == 1

    def test_hide_is_saved_for_each_ticket(self, event):
        save(event, [free("First", hidden=True), free("Second"), free("Third", hidden=True)])
        assert list(event.tickets.values_list("name", "hidden")) == [
            ("First", True),
            ("Second", False),
            ("Third", True),
        ]


class TestEditAndDelete:
    def test_edit(self, event):
        save(event, [free(), paid()])
        regular = event.tickets.get(name="Regular")
        version, before = regular.version, tickets_ver(event)
        rows = stored_rows(event)
        rows[1].update(name="Early bird", price="19.50", hidden=True)
        save(event, rows, initial=2)
        regular.refresh_from_db()
        assert (regular.name, regular.price, regular.hidden) == ("Early bird", Decimal("19.50"), True)
        assert regular.version > version
        assert tickets_ver(event) > before

    def test_unchanged_rows_are_not_written(self, event):
        save(event, [free(), paid()])
        versions = list(event.tickets.values_list("version", flat=True))
        before = tickets_ver(event)
        save(event, stored_rows(event), initial=2)
        assert list(event.tickets.values_list("version", flat=True)) == versions
        assert tickets_ver(event) == before

    def test_delete(self, event):
        save(event, [free(), paid(), donation()])
        rows = stored_rows(event)
        rows[1]["DELETE"] = True
        before = tickets_ver(event)
        save(event, rows, initial=3)
        assert list(event.tickets.values_list("name", "position")) == [("Community", 0), ("Supporter", 1)]
        assert tickets_ver(event) > before

    def test_delete_and_add_together(self, event):
        save(event, [free(), paid()])
        rows = stored_rows(event)
        rows[0]["DELETE"] = True
        save(event, [*rows, donation()], initial=2)
        assert list(event.tickets.values_list("name", flat=True)) == ["Regular", "Supporter"]

    def test_a_deleted_name_can_be_reused_at_once(self, event):
        save(event, [free("Standard")])
        rows = stored_rows(event)
        rows[0]["DELETE"] = True
        save(event, [*rows, paid("standard")], initial=1)
        assert list(event.tickets.values_list("name", "type")) == [("standard", "paid")]

    def test_two_tickets_swap_names(self, event):
        save(event, [free("Early"), free("Late")])
        rows = stored_rows(event)
        rows[0]["name"], rows[1]["name"] = "Late", "Early"
        save(event, rows, initial=2)
        assert list(event.tickets.values_list("name", flat=True)) == ["Late", "Early"]

    def test_invalid_row_marked_for_deletion_does_not_block(self, event):
        save(event, [free(), paid()])
        rows = stored_rows(event)
        rows[1].update(price="", DELETE=True)
        save(event, rows, initial=2)
        assert list(event.tickets.values_list("name", flat=True)) == ["Community"]


# (rows, index of the row at fault, field, words of the message)
RULES = [
    ([free(name="")], 0, "name", "required"),
    ([paid(price="")], 0, "price", "price of a paid ticket"),
    ([paid(price="0")], 0, "price", "more than 0"),
    ([paid(price="-5")], 0, "price", "more than 0"),
    ([paid(price="abc")], 0, "price", "Enter a number"),
    ([free(price="5")], 0, "price", "free ticket has no price"),
    ([donation(price="5")], 0, "price", "donation ticket has no price"),
    ([free(quantity=0)], 0, "quantity", "greater than or equal to 1"),
    ([free(quantity="")], 0, "quantity", "required"),
    ([free(min_order=0)], 0, "min_order", "greater than or equal to 1"),
    ([free(quantity=10, min_order=5, max_order=3)], 0, "max_order", "less than the minimum"),
    ([free(quantity=10, max_order=11)], 0, "max_order", "more than the quantity"),
    ([free(quantity=3, min_order=4)], 0, "min_order", "more than the quantity"),
    (
        [free(), free("Second", sales_starts_at="2030-01-02T10:00", sales_ends_at="2030-01-01T10:00")],
        1,
        "sales_ends_at",
        "end after they start",
    ),
    ([free(), free("Copy"), free("community")], 2, "name", DUPLICATE_NAME),
    ([free(), {"type": "vip", "name": "VIP", "quantity": 5}], 1, "type", "valid choice"),
]


class TestRules:
    @pytest.mark.parametrize(("rows", "index", "field", "message"), RULES)
    def test_error_on_the_right_field_and_nothing_saved(self, client, organizer, event, rows, index, field, message):
        formset = bind(event, rows)
        assert not formset.is_valid()
        assert message in " ".join(formset.forms[index].errors[field])
        others = [form.errors for i, form in enumerate(formset.forms) if i != index]
        assert not any(others)
        client.force_login(organizer)
        assert post(client, event, rows).status_code == 200
        assert not event.tickets.exists()

    def test_sales_cannot_end_after_the_event(self, event):
        late = (event.ends_at + timedelta(hours=1)).strftime(LOCAL)
        formset = bind(event, [free(sales_ends_at=late)])
        assert not formset.is_valid()
        assert formset.forms[0].errors["sales_ends_at"] == ["Sales cannot end after the event ends."]

    def test_sales_cannot_start_after_the_event(self, event):
        late = (event.ends_at + timedelta(hours=1)).strftime(LOCAL)
        formset = bind(event, [free(sales_starts_at=late)])
        assert not formset.is_valid()
        assert formset.forms[0].errors["sales_starts_at"] == ["Sales must start before the event ends."]

    def test_name_taken_by_a_stored_ticket_not_in_the_form(self, event):
        """A page loaded before someone else added "VIP" still may not add "vip"."""
        stale = bind(event, [paid("vip")])
        Ticket.objects.create(event=event, type="free", name="VIP", quantity=5)
        assert not stale.is_valid()
        assert stale.forms[0].errors["name"] == [DUPLICATE_NAME]

    def test_renaming_onto_another_stored_name(self, event):
        save(event, [free("One"), free("Two")])
        rows = stored_rows(event)
        rows[1]["name"] = "ONE"
        formset = bind(event, rows, initial=2)
        assert not formset.is_valid()
        assert formset.forms[1].errors["name"] == [DUPLICATE_NAME]

    def test_another_events_ticket_is_refused(self, event, make_event, organizer):
        other = make_event(organizer, name="Other")
        save(other, [free("Theirs")])
        theirs = other.tickets.get()
        rows = [{**free("Mine"), "id": theirs.pk}]
        formset = bind(event, rows, initial=1)
        assert not formset.is_valid()
        assert "no longer exists" in formset.forms[0].errors["id"][0]
        theirs.refresh_from_db()
        assert theirs.name == "Theirs"

    def test_published_event_keeps_a_ticket(self, event):
        save(event, [free()])
        Event.objects.filter(pk=event.pk).update(state=Event.State.PUBLISHED)
        event.refresh_from_db()
        rows = stored_rows(event)
        rows[0]["DELETE"] = True
        formset = bind(event, rows, initial=1)
        assert not formset.is_valid()
        assert formset.non_form_errors() == [LAST_TICKET]

    def test_database_constraint_ignores_case(self, event):
        Ticket.objects.create(event=event, type="free", name="Standard", quantity=5)
        with pytest.raises(IntegrityError), transaction.atomic():
            Ticket.objects.create(event=event, type="free", name="STANDARD", quantity=5)


class TestAllOrNothing:
    def test_one_bad_row_saves_nothing(self, client, organizer, event):
        save(event, [free(), paid()])
        before, ver = snapshot(event), tickets_ver(event)
        rows = stored_rows(event)
        rows[0]["name"] = "Renamed"
        rows[1]["DELETE"] = True
        rows = [*rows, donation(), paid("Broken", price="")]
        assert not bind(event, rows, initial=2).is_valid()
        client.force_login(organizer)
        assert post(client, event, rows, initial=2).status_code == 200
        assert snapshot(event) == before
        assert tickets_ver(event) == ver

    def test_a_name_taken_meanwhile_is_refused_on_its_row(self, event):
        save(event, [free("Keep")])
        rows = stored_rows(event)
        rows[0]["name"] = "Kept"
        formset = bind(event, [*rows, paid("Gold"), donation()], initial=1)
        assert formset.is_valid()
        # Someone else saves a "gold" ticket between validation and saving: the service's
        # check, holding the event's lock, refuses the row.
        Ticket.objects.create(event=event, type="free", name="gold", quantity=1)
        with pytest.raises(InvalidTickets) as excinfo:
            save_formset(event, formset)
        assert excinfo.value.messages == [DUPLICATE_NAME]
        formset.add_save_error(excinfo.value)
        assert formset.forms[1].errors["name"] == [DUPLICATE_NAME]
        assert sorted(event.tickets.values_list("name", flat=True)) == ["Keep", "gold"]

    def test_a_constraint_failing_in_the_database_rolls_everything_back(self, event, monkeypatch):
        """A writer outside the services (or the database lower-casing unlike Python):
        the constraint refuses a row after others were written; nothing stays."""
        save(event, [free("Keep"), free("Other")])
        rows = stored_rows(event)
        rows[0]["name"] = "Kept"
        rows[1]["DELETE"] = True
        formset = bind(event, [*rows, paid("Gold"), donation()], initial=2)
        assert formset.is_valid()
        before, ver = snapshot(event), tickets_ver(event)
        Ticket.objects.create(event=event, type="free", name="gold", quantity=1)
        monkeypatch.setattr("tickets.services.check_ticket_set", lambda *args, **kwargs: None)
        with pytest.raises(ConcurrentChange) as excinfo:
            save_formset(event, formset)
        assert excinfo.value.message == CONCURRENT_CHANGE
        after = [row for row in snapshot(event) if row["name"] != "gold"]
        assert after == before
        assert tickets_ver(event) == ver + 1  # the "gold" ticket only


class TestQueryCount:
    def test_saving_50_tickets_stays_within_60_queries(self, client, organizer, event, django_assert_max_num_queries):
        client.force_login(organizer)
        rows = [paid(f"Ticket {n}", price=f"{n + 1}.00", hidden=n % 2 == 0) for n in range(50)]
        with django_assert_max_num_queries(60):
            response = client.post(reverse("tickets:wizard", args=[event.pk]), formset_data(rows))
        assert response.status_code == 302
        assert event.tickets.count() == 50
        assert event.tickets.filter(hidden=True).count() == 25

    def test_changing_50_tickets_stays_within_60_queries(
        self, client, organizer, event, django_assert_max_num_queries
    ):
        save(event, [free(f"Ticket {n}") for n in range(50)])
        rows = stored_rows(event)
        for n, row in enumerate(rows):
            row.update(name=f"Renamed {n}", quantity=n + 20)
        client.force_login(organizer)
        with django_assert_max_num_queries(60):
            response = client.post(reverse("tickets:wizard", args=[event.pk]), formset_data(rows, initial=50))
        assert response.status_code == 302
        assert set(event.tickets.values_list("quantity", flat=True)) == set(range(20, 70))


class TestManyTickets:
    def test_more_fields_than_djangos_default_limit(self, client, organizer, event):
        # Every field, as the browser sends them, empty or not.
        blank = dict.fromkeys(["id", "price", "description", "sales_starts_at", "sales_ends_at", "min_order"], "")
        rows = [free(f"Ticket {n}", **blank, max_order=2, event=event.pk) for n in range(120)]
        data = formset_data(rows)
        assert len(data) > 1000  # Django's default DATA_UPLOAD_MAX_NUMBER_FIELDS
        client.force_login(organizer)
        response = client.post(reverse("tickets:wizard", args=[event.pk]), data)
        assert response.status_code == 302
        assert event.tickets.count() == 120

    def test_at_most_max_tickets(self, event, settings):
        from tickets.services import MAX_TICKETS

        formset = bind(event, [free(f"Ticket {n}") for n in range(MAX_TICKETS + 1)])
        assert not formset.is_valid()
        assert not event.tickets.exists()
