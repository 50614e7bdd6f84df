"""The rules of an event's tickets taken together (tickets.services.check_ticket_set): one
check, taking tickets (data, not forms), behind the wizard, the API and the admin."""

import pytest
from django.db import connection
from django.urls import reverse

import tickets.services
from events.models import Event
from tests.tickets.formsets import formset_data, free, stored_rows
from tickets.models import Ticket
from tickets.services import (
    DUPLICATE_NAME,
    LAST_TICKET,
    InvalidTickets,
    check_ticket_set,
    save_tickets,
)

pytestmark = pytest.mark.django_db


def make_ticket(event, name, **fields):
    return Ticket.objects.create(event=event, type="free", name=name, quantity=10, **fields)


def publish(event):
    Event.objects.filter(pk=event.pk).update(state=Event.State.PUBLISHED)
    event.refresh_from_db()


@pytest.fixture
def spy(monkeypatch):
    """The calls of ``check_ticket_set``, wherever they come from."""
    calls = []
    real = tickets.services.check_ticket_set

    def check(event, tickets, others=(), deleted=()):
        calls.append([ticket.name for ticket in tickets])
        return real(event, tickets, others, deleted)

    monkeypatch.setattr(tickets.services, "check_ticket_set", check)
    monkeypatch.setattr("tickets.forms.check_ticket_set", check)
    return calls


class TestTheCheck:
    def test_names_ignoring_case_the_later_one_gets_the_error(self, event, django_assert_num_queries):
        new = [Ticket(name="Gold"), Ticket(name="silver"), Ticket(name="GOLD"), Ticket(name="")]
        with django_assert_num_queries(0), pytest.raises(InvalidTickets) as excinfo:
            check_ticket_set(event, new, [Ticket(name="SILVER")])
        assert {index: fields["name"][0].message for index, fields in excinfo.value.rows.items()} == {
            1: DUPLICATE_NAME,
            2: DUPLICATE_NAME,
        }
        assert excinfo.value.set_errors == []

    def test_a_published_event_keeps_a_ticket(self, event):
        check_ticket_set(event, [], [])  # a draft may have none
        publish(event)
        with pytest.raises(InvalidTickets) as excinfo:
            check_ticket_set(event, [], [])
        assert excinfo.value.messages == [LAST_TICKET]
        check_ticket_set(event, [], [Ticket(name="Left")])


class TestSaveTicketsTakesTickets:
    """``save_tickets(event, tickets, deleted_ids)``: no form involved."""

    def test_create_change_delete(self, event):
        keep, change, gone = make_ticket(event, "Keep"), make_ticket(event, "Change"), make_ticket(event, "Gone")
        change.quantity = 99
        saved = save_tickets(
            event, [change, Ticket(type="paid", name="New", price=5, quantity=3, max_order=3), keep], [gone.pk]
        )
        assert [ticket.pk is not None for ticket in saved] == [True, True, True]
        assert list(event.tickets.values_list("name", "position", "quantity")) == [
            ("Change", 0, 99),
            ("New", 1, 3),
            ("Keep", 2, 10),
        ]

    def test_errors_keyed_by_the_ticket_index_and_nothing_saved(self, event):
        make_ticket(event, "Stored")
        with pytest.raises(InvalidTickets) as excinfo:
            save_tickets(
                event,
                [Ticket(type="paid", name="Paid", quantity=3), Ticket(type="free", name="x", quantity=1, max_order=1)],
            )
        assert list(excinfo.value.rows) == [0]
        assert "price" in excinfo.value.rows[0]
        with pytest.raises(InvalidTickets) as excinfo:
            save_tickets(
                event,
                [
                    Ticket(type="free", name="Other", quantity=1, max_order=1),
                    Ticket(type="free", name="STORED", quantity=1, max_order=1),
                ],
            )
        assert excinfo.value.for_ticket(1) == {"name": excinfo.value.rows[1]["name"]}
        assert excinfo.value.messages == [DUPLICATE_NAME]
        assert list(event.tickets.values_list("name", flat=True)) == ["Stored"]

    def test_deleting_the_last_ticket_of_a_published_event(self, event):
        last = make_ticket(event, "Last")
        publish(event)
        with pytest.raises(InvalidTickets) as excinfo:
            save_tickets(event, [], [last.pk])
        assert excinfo.value.messages == [LAST_TICKET]
        assert event.tickets.exists()


# --- the same check behind each entry -----------------------------------------------------


def by_wizard(client, user, event, name):
    client.force_login(user)
    rows = [*stored_rows(event), free(name)]
    answer = client.post(reverse("tickets:wizard", args=[event.pk]), formset_data(rows, initial=len(rows) - 1))
    assert answer.status_code == 200
    return answer.context["formset"].forms[-1].errors["name"]


def by_api(api_client, user, event, name):
    answer = api_client(user).post(
        reverse("api:ticket-list", args=[event.pk]), {"type": "free", "name": name, "quantity": 10}, format="json"
    )
    assert answer.status_code == 400
    return answer.json()["name"]


def admin_data(**fields):
    data = {"type": "free", "name": "", "quantity": "10", "description": "", "min_order": "1", "max_order": "10"}
    data.update({"position": "0", "sales_starts_at_0": "", "sales_starts_at_1": ""})
    data.update({"sales_ends_at_0": "", "sales_ends_at_1": ""})
    data.update(fields)
    return data


def by_admin(client, user, event, name):
    client.force_login(user)
    answer = client.post(reverse("admin:tickets_ticket_add"), admin_data(event=event.pk, name=name))
    assert answer.status_code == 200  # the form again, with its errors
    return answer.context["adminform"].form.errors["name"]


@pytest.mark.parametrize("entry", [by_wizard, by_api, by_admin])
def test_a_duplicate_name_is_refused_alike_by_each_entry(
    entry, client, api_client, organizer, super_admin, event, spy
):
    make_ticket(event, "Standard")
    user = super_admin if entry is by_admin else organizer
    kind = api_client if entry is by_api else client
    assert entry(kind, user, event, "STANDARD") == [DUPLICATE_NAME]
    assert any("STANDARD" in names for names in spy)  # the one check said so
    assert list(event.tickets.values_list("name", flat=True)) == ["Standard"]


def test_the_last_ticket_of_a_published_event_stays_whoever_deletes_it(
    client, api_client, organizer, super_admin, event, spy
):
    last = make_ticket(event, "Last")
    publish(event)
    # The wizard
    client.force_login(organizer)
    rows = stored_rows(event)
    rows[0]["DELETE"] = True
    answer = client.post(reverse("tickets:wizard", args=[event.pk]), formset_data(rows, initial=1))
    assert answer.status_code == 200
    assert answer.context["formset"].non_form_errors() == [LAST_TICKET]
    # The API
    answer = api_client(organizer).delete(reverse("api:ticket-detail", args=[event.pk, last.pk]))
    assert (answer.status_code, answer.json()) == (400, {"non_field_errors": [LAST_TICKET]})
    # The admin: the delete page, and the bulk action
    client.force_login(super_admin)
    answer = client.post(reverse("admin:tickets_ticket_delete", args=[last.pk]), {"post": "yes"}, follow=True)
    assert LAST_TICKET in [str(message) for message in answer.context["messages"]]
    bulk = {"action": "delete_selected", "_selected_action": [last.pk], "post": "yes"}
    answer = client.post(reverse("admin:tickets_ticket_changelist"), bulk, follow=True)
    assert LAST_TICKET in [str(message) for message in answer.context["messages"]]
    assert event.tickets.get() == last
    assert spy.count([]) >= 4  # each asked the one check about the set without it


def test_the_admins_bulk_deletion_is_all_or_nothing_across_events(client, super_admin, organizer, make_event, event):
    other = make_event(organizer)
    first, second = make_ticket(event, "First"), make_ticket(other, "Only")
    publish(other)
    client.force_login(super_admin)
    bulk = {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    answer = client.post(reverse("admin:tickets_ticket_changelist"), bulk, follow=True)
    assert LAST_TICKET in [str(message) for message in answer.context["messages"]]
    assert set(Ticket.objects.values_list("pk", flat=True)) == {first.pk, second.pk}
    Event.objects.filter(pk=other.pk).update(state=Event.State.DRAFT)  # now it may lose its ticket
    client.post(reverse("admin:tickets_ticket_changelist"), bulk)
    assert not Ticket.objects.exists()


def test_the_admin_changes_a_ticket_by_the_rules(client, super_admin, event):
    ticket, other = make_ticket(event, "Mine"), make_ticket(event, "Other")
    client.force_login(super_admin)
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    answer = client.post(url, admin_data(name="other"))
    assert answer.context["adminform"].form.errors["name"] == [DUPLICATE_NAME]
    answer = client.post(url, admin_data(name="Renamed", quantity="20"))
    assert answer.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.name, ticket.quantity, ticket.version) == ("Renamed", 20, 2)
    assert Event.objects.get(pk=event.pk).tickets_ver > 1
    other.refresh_from_db()
    assert other.version == 1


def test_the_admin_locks_the_event_before_writing_the_ticket(client, super_admin, event, monkeypatch):
    """Every writer of tickets takes the event's row first (tickets.services.lock_event): the
    admin writing the ticket's row first could deadlock with the wizard's save."""
    ticket = make_ticket(event, "Mine")
    log = []
    real_lock = tickets.services.lock_event

    def lock(event_id):
        log.append("lock event")
        return real_lock(event_id)

    def record(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("UPDATE", "DELETE")) and "tickets_ticket" in sql:
            log.append("write ticket")
        return execute(sql, params, many, context)

    monkeypatch.setattr(tickets.services, "lock_event", lock)
    client.force_login(super_admin)
    change = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    delete = reverse("admin:tickets_ticket_delete", args=[ticket.pk])
    for url, data in [(change, admin_data(name="New")), (delete, {"post": "yes"})]:
        log.clear()
        with connection.execute_wrapper(record):
            assert client.post(url, data).status_code == 302
        assert log[0] == "lock event", log
        assert "write ticket" in log
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
