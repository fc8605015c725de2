"""A farm of real SMTP servers (aiosmtpd) on loopback with scripted behaviours, for the tests
and the bench of the SMTP stage (issue 6).

Each server listens on its own loopback address (127.0.0.2, .3, ...: Linux routes all of
127/8 to `lo`) and all share one port, because the prober uses one `--smtp-port`. The farm
runs in a thread with its own event loop, so synchronous callers (CliRunner, benches) and
async tests can use it alike.

Every server records each command it receives (so tests can prove DATA is never sent), the
number of connections and the peak of simultaneous connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["Behaviour", "FarmServer", "SmtpFarm"]

USER_UNKNOWN = ("550 5.1.1 <{rcpt}>: Recipient address rejected: "
                "User unknown in virtual mailbox table")
GREYLISTED = ("450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see "
              "http://postgrey.schweikert.ch/help/{domain}.html")
BLOCKED = ("550 5.7.1 Service unavailable; Client host [{peer}] blocked using zen.spamhaus.org; "
           "https://www.spamhaus.org/query/ip/{peer}")
TOO_MANY_CONNECTIONS = "421 4.7.0 {name} Error: too many connections from {peer}"
TOO_MANY_RECIPIENTS = "452 4.5.3 Error: too many recipients"
MAILBOX_FULL = "552 5.2.2 <{rcpt}>: Mailbox full"


@dataclass(frozen=True)
class Behaviour:
    """How one scripted server answers. Defaults: accept every recipient."""

    name: str = "mx.farm.test"
    mailboxes: frozenset[str] | None = None  # None: accept all; else others are user unknown
    full: frozenset[str] = frozenset()  # existing but over quota
    greylist: bool = False  # defer the first attempt of each (sender, recipient) pair
    block: bool = False  # 5.7.1 policy refusal of every recipient
    max_connections: int | None = None  # beyond it: 421 at greeting
    always_421: bool = False  # greeting is always 421
    rcpt_per_session: int | None = None  # beyond it: 452 4.5.3 too many recipients
    banner_delay: float = 0.0  # seconds before the greeting
    rcpt_delay: float = 0.0  # seconds before each RCPT reply
    drop_after_rcpts: int | None = None  # close the connection instead of answering RCPT N+1
    tls: bool = False  # offer STARTTLS with a self-signed certificate
    tls_broken: bool = False  # offer STARTTLS, then refuse it with 454
    rcpt_421_after: int | None = None  # after N RCPT answers in a session: 421 and close


@dataclass
class FarmServer:
    ip: str
    port: int
    behaviour: Behaviour
    commands: list[tuple[int, str, str]] = field(default_factory=list)  # (conn, VERB, arg)
    connections: int = 0
    open_now: int = 0
    max_open: int = 0
    greylist_seen: set[tuple[str, str]] = field(default_factory=set)
    tls_sessions: int = 0

    @property
    def verbs(self) -> list[str]:
        return [c[1] for c in self.commands]

    def rcpt_count(self) -> int:
        return sum(1 for c in self.commands if c[1] == "RCPT")


class _Handler:
    """aiosmtpd handler: the scripted decisions for one server."""

    def __init__(self, server: FarmServer) -> None:
        self.server = server

    async def handle_RCPT(self, smtp: _FarmSMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        b = self.server.behaviour
        smtp.rcpts_in_session += 1
        if b.drop_after_rcpts is not None and smtp.rcpts_in_session > b.drop_after_rcpts:
            assert smtp.transport is not None
            smtp.transport.close()
            return "421 dropped"  # never reaches the client: the transport is closed
        if b.rcpt_421_after is not None and smtp.rcpts_in_session > b.rcpt_421_after:
            await smtp.push("421 4.7.0 Too many recipients from you, slow down")
            assert smtp.transport is not None
            smtp.transport.close()
            return "421 closing"  # never reaches the client: the transport is closed
        if b.rcpt_delay:
            await asyncio.sleep(b.rcpt_delay)
        if b.rcpt_per_session is not None and smtp.rcpts_in_session > b.rcpt_per_session:
            return TOO_MANY_RECIPIENTS
        domain = address.rpartition("@")[2]
        peer = session.peer[0] if session.peer else "?"
        if b.block:
            return BLOCKED.format(peer=peer)
        if b.greylist:
            key = (str(envelope.mail_from), address.lower())
            if key not in self.server.greylist_seen:
                self.server.greylist_seen.add(key)
                return GREYLISTED.format(rcpt=address, domain=domain)
        if address.lower() in b.full:
            return MAILBOX_FULL.format(rcpt=address)
        if b.mailboxes is not None and address.lower() not in b.mailboxes:
            return USER_UNKNOWN.format(rcpt=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, smtp: _FarmSMTP, session: Session, envelope: Envelope) -> str:
        return "554 5.5.1 this farm never accepts DATA"


class _FarmSMTP(SMTP):
    def __init__(self, server: FarmServer, conn_id: int, **kw: Any) -> None:
        super().__init__(_Handler(server), hostname=server.behaviour.name, **kw)
        self.farm_server = server
        self.conn_id = conn_id
        self.rcpts_in_session = 0
        self._counted = False
        # Wrap every command method so the farm records what the client sent.
        self._smtp_methods = {verb: self._recording(verb, m)
                              for verb, m in self._smtp_methods.items()}

    def _recording(self, verb: str, method: Any) -> Any:
        async def wrapped(arg: str) -> Any:
            self.farm_server.commands.append((self.conn_id, verb, arg or ""))
            if verb == "STARTTLS":
                if self.farm_server.behaviour.tls_broken:
                    return await self.push("454 4.7.0 TLS not available due to local problem")
                self.farm_server.tls_sessions += 1
            return await method(arg)
        return wrapped

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._counted:
            self._counted = True
            s = self.farm_server
            s.connections += 1
            s.open_now += 1
            s.max_open = max(s.max_open, s.open_now)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._counted:
            self._counted = False
            self.farm_server.open_now -= 1
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        s, b = self.farm_server, self.farm_server.behaviour
        if b.banner_delay:
            await asyncio.sleep(b.banner_delay)
        if b.always_421 or (b.max_connections is not None and s.open_now > b.max_connections):
            peer = self.session.peer[0] if self.session and self.session.peer else "?"
            await self.push(TOO_MANY_CONNECTIONS.format(name=b.name, peer=peer))
            if self.transport is not None:
                self.transport.close()
            return
        await super()._handle_client()


def _self_signed(directory: Path) -> ssl.SSLContext:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=mx.farm.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


class SmtpFarm:
    """Start with `with SmtpFarm([Behaviour(...), ...]) as farm:`; `farm.servers[i].ip` is the
    MX address of behaviour i and `farm.port` the shared port."""

    def __init__(self, behaviours: Iterable[Behaviour], *, first_ip: int = 2,
                 subnet: str = "127.0.0") -> None:
        self.behaviours = list(behaviours)
        if first_ip + len(self.behaviours) > 255:
            raise ValueError("too many farm servers for one /24")
        self.ips = [f"{subnet}.{first_ip + i}" for i in range(len(self.behaviours))]
        self.port = 0
        self.servers: list[FarmServer] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="smtpfarm")
        self._aio_servers: list[asyncio.AbstractServer] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._conn_ids = 0

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> SmtpFarm:
        tls_ctx = None
        if any(b.tls or b.tls_broken for b in self.behaviours):
            self._tmp = tempfile.TemporaryDirectory(prefix="smtpfarm-")
            tls_ctx = _self_signed(Path(self._tmp.name))
        self._thread.start()
        for _attempt in range(20):
            port = _free_port(self.ips[0])
            try:
                self._run(self._bind_all(port, tls_ctx))
            except OSError:
                self._run(self._close_all())
                continue
            self.port = port
            return self
        raise OSError("smtpfarm: no common free port on the farm addresses")

    def stop(self) -> None:
        if self._thread.is_alive():
            self._run(self._close_all())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> SmtpFarm:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- introspection --------------------------------------------------------------------
    def server(self, ip: str) -> FarmServer:
        return next(s for s in self.servers if s.ip == ip)

    def all_verbs(self) -> set[str]:
        return {v for s in self.servers for v in s.verbs}

    def reset_counters(self) -> None:
        """Forgets recorded commands and peaks (run in the farm's loop, so no race)."""
        async def reset() -> None:
            for s in self.servers:
                s.commands.clear()
                s.connections = s.max_open = 0
        self._run(reset())

    # -- internals ------------------------------------------------------------------------
    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    async def _bind_all(self, port: int, tls_ctx: ssl.SSLContext | None) -> None:
        self.servers = []
        for ip, b in zip(self.ips, self.behaviours, strict=True):
            fs = FarmServer(ip, port, b)
            self.servers.append(fs)

            def factory(fs: FarmServer = fs) -> _FarmSMTP:
                self._conn_ids += 1
                kw: dict[str, Any] = {"timeout": 30}
                if (fs.behaviour.tls or fs.behaviour.tls_broken) and tls_ctx is not None:
                    kw["tls_context"] = tls_ctx
                return _FarmSMTP(fs, self._conn_ids, **kw)

            srv = await self._loop.create_server(factory, host=ip, port=port,
                                                 reuse_address=True, backlog=512)
            self._aio_servers.append(srv)

    async def _close_all(self) -> None:
        for srv in self._aio_servers:
            srv.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(srv.wait_closed(), 5)
        self._aio_servers = []


def _free_port(ip: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((ip, 0))
        return int(s.getsockname()[1])
