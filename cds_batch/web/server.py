"""The server of `cds-batch serve`: the application on waitress, bound before anything is printed.

In: the workspace folder, the address and port to listen on (port 0: a free one, read back after
binding; none given: the port the workspace's last server used, `address`). Out: a `Served` with the
URL to print and to open (it carries the access token once), and `run()` serving until Ctrl+C.
waitress is a pure-Python production server (no compiler, works the same on Windows).

The address stays the same from one start to the next (the port and the token are kept in the
workspace, `address`), so an office can bookmark the page. A port given with --port is used or the
start fails (PortBusy); the kept port, when another program holds it, gives way to a free one for this
start only, and the console says so. The listening socket is made here, not by waitress: waitress
sets SO_REUSEADDR, which on Windows lets a second server take a port the first still listens on.

What a request costs before the token is checked: waitress reads each request body in full (to a
temporary file when large) before the application, and so the token check, sees the request; it
cannot be told to check anything first. Its body limit is therefore the application's own
(`max_request`): a request that declares a larger body is refused by waitress from its headers
alone (a short English 413, before any of the body is read), and a chunked one as soon as it passes
the limit. So a client without the token can still make the server write up to `max_request` bytes
to a temporary file, once per connection, which is deleted when the request ends. The page checks
sizes in the browser before sending, so an office sees the Vietnamese message instead.
"""
from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from waitress import create_server

from cds_batch.core.errors import CdsBatchError
from cds_batch.core.windows import is_windows
from cds_batch.web import address
from cds_batch.web.app import create_app
from cds_batch.web.state import MAX_PARTS, MAX_REQUEST, WebConfig, state
from cds_batch.web.guard import TOKEN_PARAM, Access, is_loopback, new_token

THREADS = 8   # a page and its polling, a long upload and a few downloads at once


def default_data() -> Path:
    """The workspace when --data is not given: 'cds-batch' in the user's home folder."""
    return Path.home() / "cds-batch"


def allow_open_files(parts: int) -> None:
    """Raise this process's limit of open files so an upload of `parts` files fits: each file part is
    a temporary file held open until the request ends (macOS allows 256 by default, Linux often 1,024).
    Windows has no such limit to raise (8,192 files)."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = parts + 1024   # the parts, plus what the server and a run in the background hold
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard),
                                                    hard))


@dataclass
class Served:
    server: Any
    app: Flask
    url: str              # printed and opened in this machine's browser; it carries the token once
    lan_note: str         # lines for the console when listening beyond this machine; "" otherwise
    data: Path
    moved_note: str = ""  # for the console when the kept port was taken and a free one is used instead

    def run(self) -> None:
        """Serve until Ctrl+C (waitress catches it and returns)."""
        self.server.run()

    def busy(self) -> bool:
        """Whether a round's run is still going."""
        with self.app.app_context():
            return state().jobs.any_running()

    def close(self) -> None:
        """Stop listening, then wait for a run still writing its outputs (it is not cut off half-way)."""
        self.server.close()
        with self.app.app_context():
            state().jobs.wait_all()


class PortBusy(CdsBatchError):
    """The port asked for with --port cannot be listened on."""


def make_server(data: Path, *, host: str = "127.0.0.1", port: int | None = None, fresh_token: bool = False,
                max_request: int = MAX_REQUEST, jobs: int | None = None) -> Served:
    """Bind `host`:`port` (None: the workspace's kept port, else a free one) and build the application for
    the workspace `data` (made if missing), with its kept token unless `fresh_token`."""
    data = data.expanduser().resolve()
    data.mkdir(parents=True, exist_ok=True)
    lan = not is_loopback(host)
    host = "127.0.0.1" if host.lower() == "localhost" else host.strip("[]")   # one socket: not also ::1
    kept = address.load(data)
    token = kept.token if kept is not None and not fresh_token else new_token()
    wanted = port if port is not None else kept.port if kept is not None else 0
    moved_note = ""
    try:
        listening = _listen(host, wanted)
    except socket.gaierror as unknown:
        raise CdsBatchError(f"không dùng được địa chỉ --host “{host}” trên máy này; hãy bỏ --host (chỉ máy này "
                            "mở được trang) hoặc dùng 0.0.0.0 (cho mạng nội bộ).") from unknown
    except OSError as taken:
        if port is not None or wanted == 0:
            raise PortBusy(_busy_message(wanted, taken)) from taken
        listening = _listen(host, 0)
        moved_note = (f"Cổng {wanted} mà trang dùng lần trước đang bị một chương trình khác giữ (có thể là cds-batch "
                      f"đang chạy trong một cửa sổ khác). Lần này trang mở ở cổng {listening.getsockname()[1]}; "
                      f"trang đã đánh dấu theo cổng {wanted} sẽ mở lại được khi cổng đó rảnh.")
    holder: list[Flask] = []

    def app(environ: dict[str, Any], start_response: Any) -> Any:   # the real one is made once the port is known
        return holder[0](environ, start_response)

    server = create_server(app, sockets=[listening], threads=THREADS, ident="cds-batch",
                           max_request_body_size=max_request + 1)   # waitress refuses from this size up
    allow_open_files(MAX_PARTS)
    bound = int(server.effective_port)
    address.save(data, address.Remembered(wanted if moved_note else bound, token))
    holder.append(create_app(WebConfig(data, Access(token, lan=lan, port=bound), max_request=max_request,
                                       jobs=jobs)))
    wildcard = host in ("0.0.0.0", "::")
    # The browser here opens the loopback address of a wildcard (on Windows "::" listens on IPv6 only).
    shown = ("::1" if host == "::" else "127.0.0.1") if wildcard else host
    url = f"http://{f'[{shown}]' if ':' in shown else shown}:{bound}/?{TOKEN_PARAM}={token}"
    note = ""
    if lan:
        note = ("Trang đang mở cho mạng nội bộ: chỉ đưa đường dẫn có mã truy cập (token) cho người cần dùng. "
                "Mã được giữ qua các lần khởi động; muốn thu hồi mọi đường dẫn đã đưa, hãy khởi động lại "
                "với --new-token.")
    if wildcard:
        note = f"Máy khác trong mạng mở: http://<địa chỉ IP của máy này>:{bound}/?{TOKEN_PARAM}={token}\n" + note
    return Served(server, holder[0], url, note, data, moved_note)


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` that no other program can share; waitress listens on it."""
    family, kind, proto, _, where = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        # Elsewhere SO_REUSEADDR only lets a restart take back a port its last run left in TIME_WAIT; on
        # Windows it would let two servers share a port, and nothing is needed for TIME_WAIT there.
        # (SO_EXCLUSIVEADDRUSE is not used: it keeps a restart off the port while old connections linger.)
        if not is_windows():
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(where)
    except OSError:
        sock.close()
        raise
    return sock


def _busy_message(port: int, taken: OSError) -> str:
    if taken.errno == errno.EADDRINUSE:   # on Windows too: Python's errno there is WSAEADDRINUSE
        why = "đang có chương trình khác dùng (có thể là cds-batch đang chạy trong một cửa sổ khác)"
    else:
        why = "không được phép dùng trên máy này"
    return (f"cổng {port} {why}. Hãy chọn cổng khác với --port, hoặc bỏ --port để dùng cổng của lần trước "
            "hoặc một cổng còn trống.")
