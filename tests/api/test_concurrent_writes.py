"""Many clients writing one object with the same ``If-Match`` at once, against a live
server: one wins, every other one answers 412, and none answers 500, on SQLite (the
embedded default of ``make run``) as on PostgreSQL."""

import json
import threading
import urllib.error
import urllib.request
from collections import Counter

from accounts.tokens import issue_token
from events.models import Track

CLIENTS = 20


def request(url, token, method="GET", body=None, headers=()):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Token {token}")
    req.add_header("Content-Type", "application/json")
    for name, value in headers:
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_concurrent_patches_with_one_tag_give_one_200_and_412s(start_daphne, make_event, organizer):
    event = make_event(organizer)
    track = Track.objects.create(event=event, name="Main track")
    _, token = issue_token(organizer)
    server = start_daphne()
    url = f"{server.url}/api/v1/events/{event.pk}/tracks/{track.pk}/"

    status, headers, _ = request(url, token)
    assert status == 200
    tag = headers["ETag"]

    barrier = threading.Barrier(CLIENTS)
    results = [None] * CLIENTS

    def patch(index):
        barrier.wait()
        status, _, body = request(url, token, "PATCH", {"name": f"Renamed {index}"}, headers=[("If-Match", tag)])
        results[index] = (status, body)

    threads = [threading.Thread(target=patch, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1, 412: CLIENTS - 1}, (
        statuses,
        [b for s, b in results if s >= 500][:1],
        server.output()[-3000:],
    )
    winner = next(json.loads(body) for status, body in results if status == 200)
    track.refresh_from_db()
    assert track.name == winner["name"]
    assert track.version == 2
