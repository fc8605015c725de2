"""The MX stage's network edge: DNS lookups per distinct domain, cached in the store.

Each distinct domain is asked for its MX once; each distinct MX host for its A and AAAA once
across all domains (providers share a few thousand hosts), and each CNAME target the client
follows itself once however many aliases lead to it; a domain without MX is asked for its own
A/AAAA (implicit MX, RFC 5321 §5.1). Decisions are in `domain_verdict` (pure); this module
only moves bytes: a bounded worker pool, a timeout on every query, one retry with backoff for
transient failures (issue 4).

The client speaks UDP itself over a few connected sockets per resolver and reads replies with
`mx_wire` (dnspython's full parser took nearly half the CPU of a cold run; bench/mx.py compares
with a plain `dns.asyncresolver` loop). Replies must match a pending query id
and echo its question; truncated replies are asked again over TCP (RFC 7766) with dnspython.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import secrets
import socket
import struct
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

import dns.asyncquery
import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdatatype
import dns.resolver

from mailhygiene import config
from mailhygiene import dns_detail as notes
from mailhygiene.domain_verdict import (
    Answer,
    DomainFacts,
    HostFacts,
    Outcome,
    cache_ttl,
    decide,
    facts_from_json,
    facts_to_json,
    is_transient,
    mail_addresses,
    mx_hosts,
)
from mailhygiene.errors import ConfigError, NetworkError
from mailhygiene.mx_wire import MalformedReply, Reply, parse_reply
from mailhygiene.normalize import ascii_domain
from mailhygiene.store import Store
from mailhygiene.store import domains as domain_cache
from mailhygiene.store.core import now
from mailhygiene.types import Flag, Reason, Verdict

K = TypeVar("K")
V = TypeVar("V")

__all__ = [
    "DnsOptions",
    "DomainResult",
    "check_domains",
    "parse_nameservers",
    "system_nameservers",
]

Server = tuple[str, int]

_MX, _A, _AAAA = dns.rdatatype.MX, dns.rdatatype.A, dns.rdatatype.AAAA
# EDNS0 OPT RR, UDP payload 1232 (the DNS flag day 2020 value: no IP fragmentation).
_OPT = b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0)
_MAX_CHASE = 8  # CNAME hops a stub follows itself
_RETRYABLE = frozenset({Outcome.SERVFAIL, Outcome.REFUSED, Outcome.TIMEOUT,
                        Outcome.NO_NAMESERVER, Outcome.ERROR})


@dataclass(frozen=True)
class DnsOptions:
    nameservers: tuple[str, ...] = ()  # "HOST[:PORT]"; empty = the system resolver
    concurrency: int = config.DNS_CONCURRENCY
    timeout: float = config.DNS_TIMEOUT
    retries: int = config.DNS_RETRIES
    allow_loopback: bool = False
    refresh: bool = False


@dataclass(frozen=True)
class DomainResult:
    domain: str
    verdict: Verdict
    mx_hosts: tuple[str, ...]  # preference order; the domain itself for an implicit MX
    mx_addresses: tuple[str, ...]  # usable addresses of those hosts, for the SMTP stage
    from_cache: bool


# -- nameservers ---------------------------------------------------------------------------------
def parse_nameservers(specs: Sequence[str]) -> tuple[Server, ...]:
    """"HOST[:PORT]" strings to (ip, port). HOST is an IP literal (a resolver cannot be found by
    name without a resolver); IPv6 with a port is written "[::1]:5353". Raises ConfigError."""
    out: list[Server] = []
    for spec in specs:
        text = spec.strip()
        host, port_text = text, ""
        if text.startswith("["):
            host, sep, rest = text[1:].partition("]")
            if not sep or (rest and not rest.startswith(":")):
                raise ConfigError(f"bad --nameserver {spec!r}: expected [IPv6]:PORT")
            port_text = rest[1:]
        elif text.count(":") == 1:
            host, _, port_text = text.partition(":")
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise ConfigError(
                f"bad --nameserver {spec!r}: expected an IP address, optionally with :PORT"
            ) from None
        port = 53
        if port_text or text.endswith(":"):
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise ConfigError(f"bad --nameserver {spec!r}: port must be 1-65535")
            port = int(port_text)
        out.append((str(ip), port))
    return tuple(out)


def system_nameservers() -> tuple[Server, ...]:
    """The resolvers of /etc/resolv.conf (plain DNS only). Raises NetworkError if none."""
    try:
        res = dns.resolver.Resolver(configure=True)
    except (dns.resolver.NoResolverConfiguration, OSError) as e:
        raise NetworkError(f"no DNS resolver configured ({e}); use --nameserver HOST[:PORT]"
                           ) from e
    out: list[Server] = []
    for ns in res.nameservers:
        if isinstance(ns, str):
            out.append((ns, res.port))
        elif isinstance(ns, dns.nameserver.Do53Nameserver):
            out.append((ns.address, ns.port))
    if not out:
        raise NetworkError("no DNS resolver configured; use --nameserver HOST[:PORT]")
    return tuple(out)


# -- wire ----------------------------------------------------------------------------------------
def _question(name: str, rdtype: int) -> bytes:
    """The question section (RFC 1035 §4.1.2); ValueError for a name DNS cannot carry."""
    labels = name.rstrip(".").encode("ascii").split(b".")
    if not labels or any(not 0 < len(lb) < 64 for lb in labels):
        raise ValueError("bad label")
    wire = b"".join(bytes([len(lb)]) + lb for lb in labels) + b"\x00"
    if len(wire) > 255:
        raise ValueError("name too long")
    return wire + struct.pack(">HH", rdtype, 1)


class _Protocol(asyncio.DatagramProtocol):
    """One connected UDP socket; replies are matched to pending queries by id and question."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[bytes, asyncio.Future[bytes]]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if len(data) < 12 or not data[2] & 0x80:  # not a response (QR clear)
            return
        entry = self.pending.get(int.from_bytes(data[:2], "big"))
        if entry is None:
            return
        question, fut = entry
        # The reply must echo our question (a spoofed or stale reply usually does not).
        if data[4:6] != b"\x00\x01" or data[12:12 + len(question)].lower() != question:
            return
        if not fut.done():
            fut.set_result(data)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable on a connected socket: the resolver is not there. Every query
        # pending on this socket is lost; fail them now rather than after the timeout.
        for _, fut in self.pending.values():
            if not fut.done():
                fut.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.error_received(exc or ConnectionError("socket closed"))


class _Once(Generic[K, V]):
    """Each key's result made once per run, however many callers ask for it at once: the first
    starts the work, the others wait for it. Only results are kept once made (a finished Task
    weighs more)."""

    def __init__(self) -> None:
        self._pending: dict[K, asyncio.Task[V]] = {}
        self._done: dict[K, V] = {}

    async def get(self, key: K, make: Callable[[], Awaitable[V]]) -> V:
        if key in self._done:
            return self._done[key]
        task = self._pending.get(key)
        if task is None:
            task = asyncio.ensure_future(self._make(key, make))
            self._pending[key] = task
        # Shielded: one waiting caller being cancelled must not cancel the shared work.
        return await asyncio.shield(task)

    async def _make(self, key: K, make: Callable[[], Awaitable[V]]) -> V:
        value = await make()
        self._done[key] = value
        del self._pending[key]
        return value

    def cancel(self) -> None:
        for task in list(self._pending.values()):
            task.cancel()


class _Client:
    """UDP client over a few sockets per resolver, with a global bound on queries in flight."""

    SOCKETS_PER_SERVER = 4

    def __init__(self, servers: Sequence[Server], *, concurrency: int, timeout: float,
                 retries: int, backoff: float = config.DNS_BACKOFF) -> None:
        self.servers = tuple(servers)
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.sent = 0
        self._sem = asyncio.Semaphore(max(1, concurrency))
        self._socks: list[list[_Protocol]] = []
        self._turn = 0
        # CNAME targets' replies, asked once per run: providers alias many customers' MX
        # hosts (or domains) to one name.
        self._chased: _Once[tuple[str, int], Reply] = _Once()

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        for host, port in self.servers:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            protos = []
            for _ in range(self.SOCKETS_PER_SERVER):
                sock = socket.socket(family, socket.SOCK_DGRAM)
                # Replies arrive in bursts of up to `concurrency`; the default buffer drops some.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
                sock.setblocking(False)
                try:
                    sock.connect((host, port))
                except OSError:
                    sock.close()
                    continue  # unreachable: queries to it become no_nameserver
                _, proto = await loop.create_datagram_endpoint(_Protocol, sock=sock)
                protos.append(proto)
            self._socks.append(protos)

    def close(self) -> None:
        self._chased.cancel()
        for protos in self._socks:
            for p in protos:
                if p.transport is not None:
                    p.transport.close()
        self._socks = []

    async def query(self, name: str, rdtype: dns.rdatatype.RdataType) -> Answer:
        """The answer for (name, rdtype), following a CNAME chain the server left unfinished
        (as a stub resolver must, RFC 1034 §5.3.3); TTL is the chain's minimum."""
        reply = await self._query(name, rdtype)
        for _ in range(_MAX_CHASE):
            if reply.chase is None or reply.answer.outcome is not Outcome.NODATA:
                break
            target, ttl = reply.chase
            reply = await self._chase(target, rdtype)
            if reply.answer.ttl is not None and reply.answer.ttl > ttl:
                reply = reply._replace(answer=dataclasses.replace(reply.answer, ttl=ttl))
        return reply.answer

    async def _chase(self, target: str, rdtype: dns.rdatatype.RdataType) -> Reply:
        """The reply for a CNAME target, asked once per run however many aliases lead to it;
        each alias's answer still takes its own chain's minimum TTL (`query`)."""
        return await self._chased.get((target, int(rdtype)),
                                      lambda: self._query(target, rdtype))

    async def _query(self, name: str, rdtype: dns.rdatatype.RdataType) -> Reply:
        """One question, asked up to 1 + retries times (rotating resolvers), with backoff."""
        try:
            question = _question(name, rdtype)
        except (ValueError, UnicodeError):
            return Reply(Answer(Outcome.ERROR, detail=notes.NOT_A_NAME), False)
        reply = Reply(Answer(Outcome.NO_NAMESERVER), False)
        start = self._turn
        self._turn += 1
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            index = (start + attempt) % len(self.servers)
            async with self._sem:
                reply = await self._ask(index, name, rdtype, question)
            if reply.answer.outcome not in _RETRYABLE:
                return reply
        return reply

    async def _ask(self, index: int, name: str, rdtype: dns.rdatatype.RdataType,
                   question: bytes) -> Reply:
        protos = self._socks[index]
        if not protos:
            return Reply(Answer(Outcome.NO_NAMESERVER, detail=notes.UNREACHABLE), False)
        proto = protos[self.sent % len(protos)]
        self.sent += 1
        qid = secrets.randbits(16)
        while qid in proto.pending:
            qid = secrets.randbits(16)
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        proto.pending[qid] = (question.lower(), fut)
        try:
            # Header: id, flags RD, QDCOUNT 1, ARCOUNT 1 (the OPT record).
            header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1)
            assert proto.transport is not None
            proto.transport.sendto(header + question + _OPT)
            async with asyncio.timeout(self.timeout):
                data = await fut
        except TimeoutError:
            return Reply(Answer(Outcome.TIMEOUT), False)
        except OSError as e:
            return Reply(Answer(Outcome.NO_NAMESERVER, detail=notes.os_error_note(e)), False)
        finally:
            proto.pending.pop(qid, None)
        reply = _parse(data, rdtype)
        if reply.truncated:
            return await self._ask_tcp(index, name, rdtype)
        return reply

    async def _ask_tcp(self, index: int, name: str, rdtype: dns.rdatatype.RdataType) -> Reply:
        host, port = self.servers[index]
        self.sent += 1
        query = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
        try:
            msg = await dns.asyncquery.tcp(query, host, timeout=self.timeout, port=port)
        except dns.exception.Timeout:
            return Reply(Answer(Outcome.TIMEOUT, detail=notes.TCP), False)
        except OSError as e:
            return Reply(Answer(Outcome.NO_NAMESERVER,
                                detail=notes.tcp_note(notes.os_error_note(e))), False)
        except dns.exception.DNSException as e:
            return Reply(Answer(Outcome.ERROR,
                                detail=notes.tcp_note(notes.exception_note(e))), False)
        reply = _parse(msg.to_wire(), rdtype)
        return reply._replace(truncated=False)


def _parse(data: bytes, rdtype: dns.rdatatype.RdataType) -> Reply:
    try:
        return parse_reply(data, rdtype)
    except MalformedReply as e:
        return Reply(Answer(Outcome.ERROR, detail=notes.malformed_note(str(e))), False)


class _Lookups:
    """Gathers DomainFacts; each distinct host's A/AAAA is asked once per run."""

    def __init__(self, client: _Client) -> None:
        self.client = client
        self._hosts: _Once[str, HostFacts] = _Once()

    async def _resolve_host(self, host: str) -> HostFacts:
        a, aaaa = await asyncio.gather(self.client.query(host, _A),
                                       self.client.query(host, _AAAA))
        return HostFacts(a, aaaa)

    async def host(self, host: str) -> HostFacts:
        return await self._hosts.get(host, lambda: self._resolve_host(host))

    async def domain(self, domain: str) -> DomainFacts:
        mx = await self.client.query(domain, _MX)
        facts = DomainFacts(domain, mx)
        hosts = mx_hosts(facts)[: config.MX_HOSTS_MAX]
        if not hosts:
            return facts
        found = await asyncio.gather(*(self.host(h) for h in hosts))
        return DomainFacts(domain, mx, dict(zip(hosts, found, strict=True)))

    def cancel(self) -> None:
        self._hosts.cancel()


# -- the stage -----------------------------------------------------------------------------------
def _result(domain: str, facts: DomainFacts, verdict: Verdict, allow_loopback: bool,
            from_cache: bool) -> DomainResult:
    return DomainResult(domain, verdict, mx_hosts(facts),
                        mail_addresses(facts, allow_loopback=allow_loopback), from_cache)


def _row(facts: DomainFacts, result: DomainResult) -> domain_cache.DomainRow:
    v = result.verdict
    errors = sorted({a.outcome.value for a in [facts.mx] + [x for h in facts.hosts.values()
                                                           for x in (h.a, h.aaaa)]
                     if a.outcome.transient})
    return domain_cache.DomainRow(
        domain=facts.domain, status=v.status.value, reason=v.reason.value,
        flags=",".join(sorted(f.value for f in v.flags)), detail=v.detail,
        mx_hosts=result.mx_hosts, mx_addresses=result.mx_addresses,
        null_mx=v.reason is Reason.NULL_MX, fallback=Flag.MX_FALLBACK in v.flags,
        error=",".join(errors) or None, ttl=cache_ttl(facts, v), facts_json=facts_to_json(facts),
        resolved_at=now(),
    )


async def check_domains(
    store: Store,
    domains: Sequence[str],
    opts: DnsOptions,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, DomainResult], int]:
    """Verdicts for every input domain (keys are the input strings) and the number of DNS
    queries sent in this run (retries included). Fresh cache entries are reused unless
    `opts.refresh`; a per-domain failure is a verdict (unknown/dns_error or unknown/timeout),
    never an exception.
    `progress(n)` is called with the number of input domains just finished (tqdm.update
    style; cache hits come first, in one call)."""
    if opts.concurrency < 1 or opts.timeout <= 0 or opts.retries < 0:
        raise ConfigError("DNS concurrency must be >= 1, timeout > 0 and retries >= 0")
    names = {d: ascii_domain(d) for d in dict.fromkeys(domains)}
    by_name: dict[str, list[str]] = {}
    for d, n in names.items():
        by_name.setdefault(n, []).append(d)
    results: dict[str, DomainResult] = {}

    def finish(name: str, result: DomainResult) -> None:
        for d in by_name[name]:
            results[d] = result if d == name else DomainResult(
                d, result.verdict, result.mx_hosts, result.mx_addresses, result.from_cache)

    todo: list[str] = []
    cached = {} if opts.refresh else domain_cache.load_fresh(store, list(by_name), now())
    for name in by_name:
        facts = _cached_facts(cached.get(name), name)
        if facts is not None:
            verdict = decide(facts, allow_loopback=opts.allow_loopback)
            # Cached facts re-decided under other options can turn transient: ask again.
            if not is_transient(verdict):
                finish(name, _result(name, facts, verdict, opts.allow_loopback, True))
                continue
        todo.append(name)
    if progress and len(results):
        progress(len(results))
    if not todo:
        return results, 0

    servers = parse_nameservers(opts.nameservers) if opts.nameservers else system_nameservers()
    client = _Client(servers, concurrency=opts.concurrency, timeout=opts.timeout,
                     retries=opts.retries)
    lookups = _Lookups(client)
    pending_rows: list[domain_cache.DomainRow] = []
    queue = iter(todo)

    def flush() -> None:
        domain_cache.save(store, pending_rows, now())
        pending_rows.clear()

    async def worker() -> None:
        for name in queue:  # a shared iterator: each domain is taken by exactly one worker
            try:
                facts = await lookups.domain(name)
            except Exception as e:  # a bug must not lose the other domains' answers
                facts = DomainFacts(name, Answer(Outcome.ERROR,
                                                 detail=notes.exception_note(e)))
            verdict = decide(facts, allow_loopback=opts.allow_loopback)
            result = _result(name, facts, verdict, opts.allow_loopback, False)
            finish(name, result)
            pending_rows.append(_row(facts, result))
            if len(pending_rows) >= config.DNS_SAVE_BATCH:
                flush()
            if progress:
                progress(len(by_name[name]))

    workers: list[asyncio.Task[None]] = []
    try:
        await client.open()
        workers = [asyncio.create_task(worker())
                   for _ in range(min(opts.concurrency, len(todo)))]
        await asyncio.gather(*workers)
    finally:
        for w in workers:
            w.cancel()
        lookups.cancel()
        client.close()
        flush()  # keep what was resolved, even on interruption
    return results, client.sent


def _cached_facts(text: str | None, name: str) -> DomainFacts | None:
    if text is None:
        return None
    try:
        facts = facts_from_json(text)
    except (ValueError, KeyError, TypeError):
        return None  # an unreadable entry is a cache miss
    return facts if facts.domain == name else None
