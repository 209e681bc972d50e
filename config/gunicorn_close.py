"""How gunicorn's sync worker closes a connection after its response (installed by gunicorn.conf.py, in the
master before the workers fork).

A sync worker closes every connection after one response. gunicorn 27 closes "gracefully" (RFC 9112
§9.6): it half-closes, then reads until the client closes its side too, for up to 2 s, so that request
bytes the app never read (a refused upload, a pipelined request) cannot make the kernel answer with a
reset that would wipe the response from the client's buffers. The worker serves nobody meanwhile: behind
a proxy that is a fraction of a millisecond per request (about 3% of a shopper flow's worker time on
this machine, measured), and a client that never closes holds the worker the full 2 s after every
response.

`close_after_response` lingers only when it is needed, as nginx's default `lingering_close on` does:
when unread bytes wait in the socket it closes gracefully exactly as gunicorn does; when none do (the
request was read whole, the usual case) a plain close sends FIN, not a reset, and the worker moves on.
Bytes a client sends after its response has been written and the connection closed are a request the
server never promised to read.
"""

from __future__ import annotations

import socket
import ssl

from gunicorn import util

graceful_close = util.close_graceful  # gunicorn's own


def close_after_response(sock: socket.socket, *args, **kwargs) -> None:
    """Close `sock`: gracefully (gunicorn's drain and linger) if unread bytes wait in it, else at once."""
    if isinstance(sock, ssl.SSLSocket):  # TLS records cannot be peeked at: keep gunicorn's way
        graceful_close(sock, *args, **kwargs)
        return
    try:
        unread = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except OSError:  # BlockingIOError: nothing waiting; any other: reset or gone, nothing to protect
        unread = b""
    if unread:
        graceful_close(sock, *args, **kwargs)
        return
    util.close(sock)


def install() -> None:
    """Make the sync worker close this way (it calls `gunicorn.util.close_graceful` after each request)."""
    util.close_graceful = close_after_response
