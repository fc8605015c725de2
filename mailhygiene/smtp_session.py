"""One SMTP probing session with aiosmtplib: the only code that moves SMTP bytes (issue 6).

connect (next MX address on connection failure or a 4xx/5xx greeting, RFC 5321 §5.1) ->
EHLO (HELO if EHLO is refused) -> opportunistic STARTTLS -> MAIL FROM -> RCPT TO x N ->
RSET -> QUIT. Never DATA: this module has no code path that sends it.

STARTTLS is opportunistic (RFC 7435) and certificates are NOT verified: a probe only asks
whether a mailbox exists, MX certificates are often self-signed or name the wrong host, and a
refusal to talk would lose the answer; encryption still keeps addresses (personal data) from
passive observers. If the TLS handshake fails, the same host is retried in clear text once
and remembered as TLS-broken for the rest of the run.

Every network await has a timeout (aiosmtplib's per-command timeout, plus an overall session
deadline that stands still while we wait for the global rate limit). A session whose next rate
token is further away than `max_idle` closes (RSET, QUIT) and leaves the rest of its batch
unprocessed, for a later session. aiosmtplib exceptions are translated here into `Failure`
values.
"""

from __future__ import annotations

import asyncio
import math
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiosmtplib

from mailhygiene.normalize import ascii_domain
from mailhygiene.politeness import Politeness
from mailhygiene.smtp_reply import (
    Failure,
    Reply,
    is_domain_pause,
    is_too_many_recipients,
    parse_reply,
)

__all__ = ["SessionConfig", "SessionReport", "run_session"]


@dataclass(frozen=True, slots=True)
class SessionConfig:
    helo: str
    mail_from: str
    port: int
    timeout: float
    starttls: bool = True
    host_pause: float = 0.0  # seconds a host that said "slow down" is left alone
    max_idle: float = math.inf  # longest wait for a rate token on an open connection


@dataclass(slots=True)
class SessionReport:
    """What one session (possibly over several MX addresses) learned."""

    host: str = ""  # the MX address that answered last ('' if none did)
    answers: list[tuple[str, Reply]] = field(default_factory=list)  # RCPT replies, in order
    skipped: list[str] = field(default_factory=list)  # SMTPUTF8 needed but not offered
    unprocessed: list[str] = field(default_factory=list)  # not answered: ask again later
    failure: Failure | None = None
    failure_detail: str = ""
    stop_reply: Reply | None = None  # banner/EHLO/MAIL/421 reply that ended the session
    pause: bool = False  # the server asked us to slow down (421, 4.7.x)
    too_many_at: int | None = None  # index of the first RCPT refused as "too many recipients"
    tls: bool = False

    @property
    def progressed(self) -> bool:
        return bool(self.answers or self.skipped)


class _TlsBroken(Exception):
    pass


def _rcpt_bytes(address: str) -> bytes:
    local, _, domain = address.rpartition("@")
    return f"TO:<{local}@{ascii_domain(domain)}>".encode()


async def run_session(hosts: Sequence[str], batch: Sequence[str], cfg: SessionConfig,
                      politeness: Politeness, no_tls: set[str]) -> SessionReport:
    """Probes `batch` (addresses of one domain) on the first MX address in `hosts` that
    greets us. Each connection holds a per-host and a global slot and spends a rate token."""
    last = SessionReport(unprocessed=list(batch), failure=Failure.NO_HOST)
    for ip in hosts:
        for use_tls in ((cfg.starttls and ip not in no_tls), False):
            async with politeness.connection(ip):
                await politeness.token()
                report = SessionReport(host=ip, unprocessed=list(batch))
                try:
                    # Whole-session deadline on top of the per-command timeouts.
                    async with asyncio.timeout(cfg.timeout * (len(batch) + 8)) as deadline:
                        connected = await _session_on_host(ip, batch, cfg, politeness,
                                                           use_tls, report, deadline)
                except _TlsBroken:
                    no_tls.add(ip)
                    continue
                except TimeoutError:
                    report.failure, report.failure_detail = Failure.TIMEOUT, "session deadline"
                    connected = bool(report.answers)
                if report.pause:  # before the slot is released to the next session
                    politeness.pause_host(ip, cfg.host_pause)
            if connected:
                return report
            last = report
            break  # connection-level failure: next MX address (RFC 5321 §5.1)
    last.unprocessed = list(batch)
    return last


async def _session_on_host(ip: str, batch: Sequence[str], cfg: SessionConfig,
                           politeness: Politeness, use_tls: bool, report: SessionReport,
                           deadline: asyncio.Timeout) -> bool:
    """Returns True once the server greeted us (the session counts even if it then failed),
    False on a connection-level failure (try the next MX address)."""
    smtp = aiosmtplib.SMTP(hostname=ip, port=cfg.port, local_hostname=cfg.helo,
                           timeout=cfg.timeout, start_tls=False, validate_certs=False)
    try:
        try:
            await smtp.connect()
        except aiosmtplib.SMTPConnectTimeoutError as e:
            report.failure, report.failure_detail = Failure.TIMEOUT, str(e)
            return False
        except aiosmtplib.SMTPConnectResponseError as e:
            reply = parse_reply(e.code, e.message)
            report.stop_reply = reply
            report.pause = is_domain_pause(reply.code, reply.enhanced, reply.text)
            return False
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError) as e:
            report.failure, report.failure_detail = Failure.REFUSED, str(e)
            return False
        try:
            await _talk(smtp, batch, cfg, politeness, use_tls, report, deadline)
        except aiosmtplib.SMTPServerDisconnected as e:
            report.failure, report.failure_detail = Failure.DROPPED, str(e)
        except (aiosmtplib.SMTPTimeoutError, TimeoutError) as e:
            report.failure, report.failure_detail = Failure.TIMEOUT, str(e)
        return True
    finally:
        smtp.close()


async def _talk(smtp: aiosmtplib.SMTP, batch: Sequence[str], cfg: SessionConfig,
                politeness: Politeness, use_tls: bool, report: SessionReport,
                deadline: asyncio.Timeout) -> None:
    if not await _greet(smtp, cfg, report):
        return
    if use_tls and smtp.supports_extension("starttls"):
        try:
            await smtp.starttls(validate_certs=False)
            if not await _greet(smtp, cfg, report):
                return
            report.tls = True
        except (aiosmtplib.SMTPException, ssl.SSLError, OSError, TimeoutError) as e:
            raise _TlsBroken(str(e)) from e

    utf8 = smtp.supports_extension("smtputf8")
    todo = [a for a in batch if a.rpartition("@")[0].isascii() or utf8]
    report.skipped = [a for a in batch if a not in todo]
    report.unprocessed = list(todo)
    if not todo:
        return
    params = [b"SMTPUTF8"] if utf8 and any(not a.isascii() for a in todo) else []
    r = await smtp.execute_command(b"MAIL", f"FROM:<{cfg.mail_from}>".encode(), *params)
    if r.code != 250:
        reply = parse_reply(r.code, r.message)
        report.stop_reply = reply
        report.pause = is_domain_pause(reply.code, reply.enhanced, reply.text)
        return
    for i, address in enumerate(todo):
        if i > 0 and politeness.bucket.wait() > cfg.max_idle:
            # Our own pacing would leave the server's connection idle too long: close
            # politely, the rest go to a later session. The first RCPT always waits, so
            # every session answers at least one address and the domain moves on.
            report.unprocessed = list(todo[i:])
            break
        await _rate_token(politeness, deadline)
        r = await smtp.execute_command(b"RCPT", _rcpt_bytes(address))
        reply = parse_reply(r.code, r.message)
        if reply.code == 421:  # the server is closing the channel: nothing said about address
            report.stop_reply, report.pause = reply, True
            report.unprocessed = list(todo[i:])
            return
        if i > 0 and reply.code >= 400 and is_too_many_recipients(
                reply.code, reply.enhanced, reply.text):
            report.too_many_at = i
            report.unprocessed = list(todo[i:])
            break
        report.answers.append((address, reply))
        report.unprocessed = list(todo[i + 1:])
        if is_domain_pause(reply.code, reply.enhanced, reply.text):
            report.pause = True  # 4.7.x: slow down, ask the rest in a later session
            break
    await _close_politely(smtp, cfg)


async def _rate_token(politeness: Politeness, deadline: asyncio.Timeout) -> None:
    """Waiting for the global rate limit is our own pacing, not the server's silence: the
    session deadline stands still meanwhile. At a low --rate, or with many sessions sharing
    the limit, the wait alone outlasted the deadline: sessions ended before their first RCPT
    and their addresses were called timeouts (measured on the farm)."""
    loop = asyncio.get_running_loop()
    when, start = deadline.when(), loop.time()
    deadline.reschedule(None)
    await politeness.token()
    deadline.reschedule(None if when is None else when + (loop.time() - start))


async def _greet(smtp: aiosmtplib.SMTP, cfg: SessionConfig, report: SessionReport) -> bool:
    try:
        await smtp.ehlo(hostname=cfg.helo)
        return True
    except aiosmtplib.SMTPHeloError as e:
        first = e
    if first.code == 421:
        # "Service not available, closing transmission channel" (RFC 5321 §3.8): the server
        # has hung up, so no HELO on it; like a 421 greeting, a reason to slow down.
        report.stop_reply, report.pause = parse_reply(first.code, first.message), True
        return False
    try:  # RFC 5321 §3.2: fall back to HELO when EHLO is not understood
        await smtp.helo(hostname=cfg.helo)
        return True
    except aiosmtplib.SMTPHeloError as e:
        reply = parse_reply(e.code or first.code, e.message or first.message)
        report.stop_reply = reply
        report.pause = is_domain_pause(reply.code, reply.enhanced, reply.text)
        return False


async def _close_politely(smtp: aiosmtplib.SMTP, cfg: SessionConfig) -> None:
    """RSET ends the transaction (RFC 5321 §4.1.1.5) so nothing is ever queued; QUIT closes.
    Errors here change nothing we learned."""
    for cmd in (b"RSET", b"QUIT"):
        try:
            await smtp.execute_command(cmd, timeout=min(cfg.timeout, 5.0))
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            return
