"""Django's development server, extended so a fault can hang up on a client.

WSGI gives an application no handle on the connection, yet the `drop` fault must close it
without answering. The sandbox's `runserver` uses this server, whose request handler puts
the client socket into the WSGI environ under `CONNECTION_KEY`. It also answers keep-alive
calls without Nagle's delay, which benchmarks counting requests per second would feel.
"""

from __future__ import annotations

import socket
from typing import Any

from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

CONNECTION_KEY = "sandbox.connection"


class SandboxRequestHandler(WSGIRequestHandler):
    # The server writes headers and body separately; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK and every keep-alive call takes 40 ms longer.
    disable_nagle_algorithm = True

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ[CONNECTION_KEY] = self.connection
        return environ


class SandboxWSGIServer(WSGIServer):
    def __init__(self, server_address: Any, handler_class: Any, *args: Any, **kwargs: Any) -> None:
        # runserver always passes Django's handler class; use ours instead.
        super().__init__(server_address, SandboxRequestHandler, *args, **kwargs)


def hang_up(environ: dict[str, Any]) -> None:
    """Close the client's connection before any byte of the answer is sent.

    Shutting the socket down both ways makes the client see the server close the connection
    without a response; the server's own attempt to write the response afterwards fails with
    a broken pipe, which it ignores, and it then ends the connection.
    """
    connection: socket.socket | None = environ.get(CONNECTION_KEY)
    if connection is None:
        raise RuntimeError(
            "The 'drop' fault needs the sandbox's own runserver (python sandbox/manage.py "
            "runserver)."
        )
    connection.shutdown(socket.SHUT_RDWR)
