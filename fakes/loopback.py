"""A threaded HTTP server on 127.0.0.1 that hands every request to a fake's answer function."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, dict[str, str], bytes]
#: (method, path with query, lower-cased headers, body) → a reply, or None to drop the connection.
Answer = Callable[[str, str, dict[str, str], bytes], Reply | None]


def start(answer: Answer) -> ThreadingHTTPServer:
    """Serve `answer` on a free port, in a daemon thread; stop with `stop(server)`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = answer(self.command, self.path, headers, body)
            if reply is None:  # an injected dropped connection
                self.close_connection = True
                self.connection.close()
                return
            status, out_headers, data = reply
            self.send_response(status)
            for name, value in out_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _any

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()
