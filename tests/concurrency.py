"""Two people pressing at the same moment, each on their own database connection.

Only PostgreSQL shows the races (SQLite serialises every writer), so the tests using `at_once`
skip on any other database; they run in `make test` against PostgreSQL."""

import threading

import pytest
from django.db import connection, connections


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises every writer)")


def at_once(*actions) -> list[str]:
    """Run each action on its own thread and connection, all released together by a barrier;
    return per action "ok" or the name of the exception it raised."""
    barrier, outcomes = threading.Barrier(len(actions)), [""] * len(actions)

    def run(i, action):
        try:
            connection.ensure_connection()  # connect first: the barrier releases the actions
            barrier.wait()
            action()
            outcomes[i] = "ok"
        except Exception as exc:  # the outcome is what the test looks at
            outcomes[i] = type(exc).__name__
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes
