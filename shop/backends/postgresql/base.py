"""Django's PostgreSQL backend, with a health check that costs no round trip.

With `CONN_HEALTH_CHECKS`, Django checks a persistent connection before its first query in each request
by sending `SELECT 1`: one round trip on every request (three in a shopper flow). A PostgreSQL connection
at rest has nothing to read: the server sends nothing between queries (this app listens for no
notifications), except when it goes away: a restart, `pg_terminate_backend`, an idle-session timeout or a
pooler's restart send an error and close the socket. So here a connection whose socket has nothing to
read is usable as it is; one with something to read gets Django's `SELECT 1`, which reads what came and
decides (a broken one is closed and the request opens a new one, as Django does).

What neither check can see without waiting on the network, a peer that vanished without closing the
connection (a cut cable), fails the request's first query instead of `SELECT 1`: the request answers
503 (`shop.handlers`) and Django drops the connection at its end.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        if not poller.poll(0):
            return True  # nothing arrived since the last query: the server has not hung up
        return super().is_usable()
