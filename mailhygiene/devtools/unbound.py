"""A real unbound resolver on 127.0.0.1, serving given records, for tests, the demo and benches.

Issue 4 asks for a real DNS server, not a mock. This module writes an unbound config that
answers only from `local-data` and can never send a query off loopback:

- `local-zone: "." static` answers every name from local data (NXDOMAIN/NODATA otherwise);
- `stub-zone "."` points the iterator at a loopback socket of ours that answers REFUSED, so
  even the zones we let through to iteration (SERVFAIL cases) only ever talk to 127.0.0.1;
  `outgoing-interface: 127.0.0.1` and `do-ip6: no` close the remaining doors;
- `module-config: "iterator"` (no validator, no trust anchor), no remote control, no chroot,
  no user switch, no daemonizing, everything in one temporary directory.

Failure cases for tests:
- `servfail_zones`: delegated (stub-zone) to that refusing loopback socket, so unbound answers
  SERVFAIL;
- `timeout_zones`: `local-zone ... deny`, unbound drops the query (the client times out);
- `refused_zones`: `local-zone ... refuse`, rcode REFUSED;
- `pause()`/`resume()` SIGSTOP/SIGCONT the server ("the server stops answering mid-run").
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

import dns.exception
import dns.message
import dns.query
import dns.rcode

from mailhygiene.errors import ConfigError

UNBOUND = "/usr/sbin/unbound"
DEFAULT_TTL = 300
# Negative answers carry this SOA (RFC 2308: negative TTL = min(SOA TTL, SOA MINIMUM)).
ROOT_SOA = ". {ttl} IN SOA ns.local. hostmaster.local. 1 3600 900 604800 {minimum}"

Record = tuple[str, str, str]  # (owner name, type, rdata), e.g. ("a.test", "MX", "10 mx.a.test")


def _fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


def _quote(text: str) -> str:
    """Quotes a config value; TXT rdata carries double quotes, so those go in single quotes."""
    if "\n" in text or ('"' in text and "'" in text):
        raise ConfigError(f"unbound config value cannot be quoted: {text!r}")
    return f"'{text}'" if '"' in text else f'"{text}"'


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (unbound listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = int(u.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
    raise OSError("no free port on 127.0.0.1")


def render_config(
    *,
    port: int,
    directory: Path,
    records: Iterable[Record],
    zone_text: str = "",
    ttl: int = DEFAULT_TTL,
    negative_ttl: int = DEFAULT_TTL,
    upstream_port: int,
    servfail_zones: Sequence[str] = (),
    timeout_zones: Sequence[str] = (),
    refused_zones: Sequence[str] = (),
    threads: int = 1,
) -> str:
    """The unbound.conf text. Pure, so the loopback-only guarantees can be read in one place."""
    lines = [
        "server:",
        f"  interface: 127.0.0.1@{port}",
        "  do-ip4: yes",
        "  do-ip6: no",
        "  do-udp: yes",
        "  do-tcp: yes",
        "  access-control: 127.0.0.0/8 allow",
        "  outgoing-interface: 127.0.0.1",
        "  do-not-query-localhost: no",
        f"  num-threads: {threads}",
        "  so-reuseport: no",
        f"  directory: {_quote(str(directory))}",
        '  chroot: ""',
        '  username: ""',
        f"  pidfile: {_quote(str(directory / 'unbound.pid'))}",
        "  do-daemonize: no",
        "  use-syslog: no",
        f"  logfile: {_quote(str(directory / 'unbound.log'))}",
        "  verbosity: 0",
        '  module-config: "iterator"',
        "  qname-minimisation: no",
        '  target-fetch-policy: "0 0 0 0 0"',
        "  harden-referral-path: no",
        "  prefetch: no",
        "  num-queries-per-thread: 4096",
        "  outgoing-range: 8192",
        "  so-rcvbuf: 4m",
        "  so-sndbuf: 4m",
        "  msg-cache-size: 64m",
        "  rrset-cache-size: 128m",
        # Failed upstreams must keep answering SERVFAIL quickly, test after test.
        "  infra-host-ttl: 60",
        '  local-zone: "." static',
        # RFC 6761 names unbound serves by default with its own SOA: let "." (ours) serve them.
        '  local-zone: "test." nodefault',
        '  local-zone: "invalid." nodefault',
        f'  local-data: "{ROOT_SOA.format(ttl=negative_ttl, minimum=negative_ttl)}"',
    ]
    for zone in servfail_zones:
        lines.append(f"  local-zone: {_quote(_fqdn(zone))} transparent")
    for zone in timeout_zones:
        lines.append(f"  local-zone: {_quote(_fqdn(zone))} deny")
    for zone in refused_zones:
        lines.append(f"  local-zone: {_quote(_fqdn(zone))} refuse")
    for name, rtype, rdata in records:
        lines.append(f"  local-data: {_quote(f'{_fqdn(name)} {ttl} IN {rtype} {rdata}')}")
    for raw in zone_text.splitlines():
        raw = raw.split(";", 1)[0].strip()
        if raw:
            lines.append(f"  local-data: {_quote(raw)}")
    # Anything unbound would iterate goes to our refusing loopback socket: never off the machine.
    for zone in (".", *servfail_zones):
        lines += ["stub-zone:", f"  name: {_quote(_fqdn(zone))}",
                  f"  stub-addr: 127.0.0.1@{upstream_port}"]
    lines += ["remote-control:", "  control-enable: no", ""]
    return "\n".join(lines)


def _refuse_forever(sock: socket.socket, stop: threading.Event) -> None:
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            data, peer = sock.recvfrom(4096)
        except TimeoutError:
            continue
        except OSError:
            return
        if len(data) < 12 or peer[0] != "127.0.0.1":
            continue
        # Same id and question, QR set, rcode REFUSED (5), no records: RFC 1035 §4.1.1.
        qdcount = int.from_bytes(data[4:6], "big")
        end = 12
        for _ in range(min(qdcount, 1)):
            while end < len(data) and data[end] != 0:
                end += data[end] + 1
            end += 5
        flags = 0x8000 | (int.from_bytes(data[2:4], "big") & 0x0100) | 0x0005
        header = data[:2] + flags.to_bytes(2, "big") + (b"\x00\x01" if qdcount else b"\x00\x00")
        try:
            sock.sendto(header + b"\x00" * 6 + data[12:end], peer)
        except OSError:
            return


class LocalDns:
    """One unbound process on 127.0.0.1. `start()` returns "127.0.0.1:PORT" once it answers.

    Usable as a context manager (`with LocalDns(records) as ns: ...`)."""

    def __init__(
        self,
        records: Iterable[Record] = (),
        *,
        zone_text: str = "",
        ttl: int = DEFAULT_TTL,
        negative_ttl: int = DEFAULT_TTL,
        servfail_zones: Sequence[str] = (),
        timeout_zones: Sequence[str] = (),
        refused_zones: Sequence[str] = (),
        threads: int = 1,
        binary: str = UNBOUND,
        start_timeout: float = 30.0,
    ) -> None:
        self._records = records
        self._zone_text = zone_text
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._servfail = tuple(servfail_zones)
        self._timeout = tuple(timeout_zones)
        self._refused = tuple(refused_zones)
        self._threads = threads
        self._binary = binary
        self._start_timeout = start_timeout
        self._dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._refuser: socket.socket | None = None
        self._stop_refuser = threading.Event()
        self._refuser_thread: threading.Thread | None = None
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def start(self) -> str:
        if self._proc is not None:
            return self.address
        if not os.path.exists(self._binary):
            raise ConfigError(
                f"{self._binary} not found: install unbound (bash scripts/setup-system.sh)"
            )
        self._dir = Path(tempfile.mkdtemp(prefix="mh-unbound-"))
        upstream_port = self._start_refuser()
        records = list(self._records)
        last_err = ""
        for _ in range(5):
            self.port = free_port()
            conf = render_config(
                port=self.port, directory=self._dir, records=records,
                zone_text=self._zone_text, ttl=self._ttl, negative_ttl=self._negative_ttl,
                upstream_port=upstream_port, servfail_zones=self._servfail,
                timeout_zones=self._timeout, refused_zones=self._refused,
                threads=self._threads,
            )
            conf_path = self._dir / "unbound.conf"
            conf_path.write_text(conf, encoding="utf-8")
            # stderr to a file, not a pipe: nobody reads it while unbound runs.
            with (self._dir / "stderr.log").open("wb") as err:
                self._proc = subprocess.Popen(
                    [self._binary, "-d", "-c", str(conf_path)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                )
            if self._wait_ready():
                return self.address
            last_err = self._stop_process()
            if "already in use" not in last_err and "open ports" not in last_err:
                break  # not a lost race for the port: retrying will not help
        self._cleanup_dir()
        raise OSError(f"unbound did not start: {last_err.strip()[-2000:]}")

    def _start_refuser(self) -> int:
        """The upstream for every zone unbound would iterate: a loopback UDP socket that answers
        REFUSED at once. Unbound then gives its client SERVFAIL quickly and deterministically
        (a silent or closed port would make it retry for many seconds)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        self._refuser = sock
        self._stop_refuser = threading.Event()
        thread = threading.Thread(target=_refuse_forever, args=(sock, self._stop_refuser),
                                  daemon=True,
                                  name="mh-dns-refuser")
        thread.start()
        self._refuser_thread = thread
        return int(sock.getsockname()[1])

    def _wait_ready(self) -> bool:
        assert self._proc is not None
        deadline = time.monotonic() + self._start_timeout
        query = dns.message.make_query(".", "SOA")
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            try:
                reply = dns.query.udp(query, "127.0.0.1", timeout=0.2, port=self.port)
            except (OSError, dns.exception.Timeout):
                time.sleep(0.05)
                continue
            if reply.rcode() == dns.rcode.NOERROR:
                return True
        return False

    def _stop_process(self) -> str:
        proc, self._proc = self._proc, None
        if proc is None:
            return ""
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)  # a paused process cannot handle SIGTERM
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        err = ""
        for name in ("stderr.log", "unbound.log"):
            if self._dir is not None and (self._dir / name).exists():
                err += (self._dir / name).read_text(encoding="utf-8", errors="replace")
        return err

    def _cleanup_dir(self) -> None:
        if self._refuser is not None:
            self._stop_refuser.set()
            if self._refuser_thread is not None:
                self._refuser_thread.join(timeout=2)
            self._refuser.close()
            self._refuser = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def stop(self) -> None:
        self._stop_process()
        self._cleanup_dir()

    def pause(self) -> None:
        """SIGSTOP: the server stops answering (queries queue in the kernel, then time out)."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


# -- synthetic zones for the demo and benches -----------------------------------------------------
KINDS = ("mx", "nxdomain", "null_mx", "a_only", "mx_no_address")


def synthetic_records(
    domains: Iterable[str],
    *,
    providers: int = 2000,
    nxdomain: float = 0.04,
    null_mx: float = 0.01,
    a_only: float = 0.03,
    mx_no_address: float = 0.01,
    seed: int = 0,
) -> tuple[list[Record], dict[str, str]]:
    """Records for a realistic mix: most domains point their MX at one of `providers` shared
    hosting providers (two MX hosts each, on 127.0.0.0/8 so mail tests can run servers there);
    the rest are NXDOMAIN, null MX, A-only or MX to a name without address. The kind of each
    domain is a deterministic function of (seed, domain); returns (records, {domain: kind})."""
    records: list[Record] = []
    kinds: dict[str, str] = {}
    used: set[int] = set()
    for domain in dict.fromkeys(domains):
        h = int.from_bytes(hashlib.blake2b(f"{seed}:{domain}".encode(), digest_size=8).digest(),
                           "big")
        u = (h & 0xFFFFFFFF) / 2**32
        cut = 0.0
        kind = "mx"
        for name, share in (("nxdomain", nxdomain), ("null_mx", null_mx), ("a_only", a_only),
                            ("mx_no_address", mx_no_address)):
            cut += share
            if u < cut:
                kind = name
                break
        kinds[domain] = kind
        if kind == "mx":
            p = (h >> 32) % providers
            used.add(p)
            records.append((domain, "MX", f"10 mx1.provider{p}.example"))
            records.append((domain, "MX", f"20 mx2.provider{p}.example"))
        elif kind == "null_mx":
            records.append((domain, "MX", "0 ."))
        elif kind == "a_only":
            records.append((domain, "A", _loopback(h >> 32)))
        elif kind == "mx_no_address":
            records.append((domain, "MX", f"10 mail.{domain}"))
    for p in sorted(used):
        records.append((f"mx1.provider{p}.example", "A", _loopback(2 * p)))
        records.append((f"mx2.provider{p}.example", "A", _loopback(2 * p + 1)))
    return records, kinds


def _loopback(n: int) -> str:
    n %= 250 * 250 * 250
    return f"127.{1 + n // 62500}.{(n // 250) % 250}.{1 + n % 250}"
