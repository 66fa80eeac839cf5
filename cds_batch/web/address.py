"""The page's address kept from one `cds-batch serve` to the next, so a bookmark keeps working.

In: the workspace folder. Out: the port and the access token its last server used, read from and
written to ADDRESS_FILE in that folder ({"format": …, "port": …, "token": …}); None when there is no
readable one (first start, a file edited by hand), and the server then starts afresh.

Why the token may be kept there: it keeps out other web pages (a cross-site request never carries the
SameSite=Strict cookie) and, on a network, whoever was not given the address. Neither can read this
file. Whoever can read it can read the workspace itself — every round, every school's file — and could
run cds-batch on it directly, so keeping the token beside them gives nobody anything new. The file is
written readable by its owner only (mkstemp's 0600; on Windows it takes the folder's permissions,
the user's own profile by default). `cds-batch serve --new-token` replaces it: every address given
out before, and every browser holding the old one, is refused from then on.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

ADDRESS_FILE = "cds-batch-trang-web.json"
ADDRESS_FORMAT = "cds_batch.serve/1"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,200}")   # as `guard.new_token` makes them: safe in an address


@dataclass(frozen=True)
class Remembered:
    port: int
    token: str


def load(data: Path) -> Remembered | None:
    """The address the workspace's last server used; None when there is none or it is not readable."""
    try:
        kept = json.loads((data / ADDRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("format") != ADDRESS_FORMAT:
        return None
    port, token = kept.get("port"), kept.get("token")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        return None
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return Remembered(port, token)


def save(data: Path, address: Remembered) -> None:
    """Keep `address` for the next start, readable by this user only, replaced in one step."""
    text = json.dumps({"format": ADDRESS_FORMAT, "port": address.port, "token": address.token}, indent=1) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{ADDRESS_FILE}.", suffix=".tmp", dir=data)   # made 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, data / ADDRESS_FILE)
    finally:
        Path(tmp).unlink(missing_ok=True)
