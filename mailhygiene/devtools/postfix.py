"""A real Postfix (Debian package) on loopback, for tests of the SMTP stage (issue 6).

Everything lives in one temporary directory: its own config directory (main.cf, master.cf),
queue directory, data directory and log file, so it never touches /etc/postfix or a system
instance, and several can run side by side. It listens on 127.0.0.1 and a free port only
(`inet_interfaces = 127.0.0.1`, the one `inet` service bound to that address) and answers
for one virtual mailbox domain whose mailboxes are listed in a `texthash:` table (no postmap
needed). Unknown recipients are refused at RCPT with `smtpd_reject_unlisted_recipient`.

No network beyond loopback: no DNS (`smtp_dns_support_level = disabled`, no client reverse
lookup with `smtpd_peername_lookup = no`), no relaying (`mynetworks` lists nobody; mail for
other domains gets `Relay access denied`), and no delivery ever happens because the prober
never sends DATA.

Postfix's `master` must start as root (it drops to `mail_owner = postfix` for the daemons):
in this sandbox the tests run as root. Without root or without the package, `available()`
says why and tests skip.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

__all__ = ["PostfixServer", "available"]

POSTFIX = "/usr/sbin/postfix"
DAEMON_DIR = "/usr/lib/postfix/sbin"

MASTER_CF = """\
# service type  private unpriv  chroot  wakeup  maxproc command
{listen} inet n - n - - smtpd
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
proxymap  unix  - - n - - proxymap
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
showq     unix  n - n - - showq
flush     unix  n - n 1000? 0 flush
pickup    unix  n - n 60 1 pickup
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
command_directory = /usr/sbin
daemon_directory = {daemon_dir}
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = {hostname}
mydomain = {hostname}
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# Nobody may relay: loopback clients are strangers like any other.
mynetworks = 192.0.2.1/32
virtual_mailbox_domains = {domain}
virtual_mailbox_maps = texthash:{root}/conf/vmailbox
virtual_mailbox_base = {root}/vmail
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = reject_unlisted_recipient
smtpd_reject_unlisted_recipient = yes
smtpd_banner = $myhostname ESMTP mailhygiene test Postfix
alias_maps =
alias_database =
local_recipient_maps =
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtputf8_enable = no
biff = no
maillog_file = {root}/postfix.log
maillog_file_prefixes = {root}
"""


def available() -> str | None:
    """None if a Postfix instance can be started here, else the reason it cannot."""
    if not os.path.exists(POSTFIX) or not os.path.isdir(DAEMON_DIR):
        return "postfix is not installed (run scripts/setup-system.sh)"
    if os.geteuid() != 0:
        return "postfix's master must start as root"
    try:
        pwd.getpwnam("postfix")
        grp.getgrnam("postdrop")
    except KeyError:
        return "the postfix user or postdrop group is missing (package not configured)"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostfixServer:
    """`with PostfixServer({"alice", "bob"}, domain="mh.test") as pf:` then probe
    `pf.host`:`pf.port`. `pf.log()` returns Postfix's log."""

    def __init__(self, mailboxes: Iterable[str], *, domain: str = "postfix.test",
                 hostname: str = "mx.postfix.test", port: int | None = None) -> None:
        self.domain = domain
        self.hostname = hostname
        self.mailboxes = sorted({m if "@" in m else f"{m}@{domain}" for m in mailboxes})
        self.host = "127.0.0.1"
        self.port = port or 0
        self.root: Path | None = None
        self._started = False

    def start(self) -> PostfixServer:
        why = available()
        if why:
            raise RuntimeError(why)
        self.root = Path(tempfile.mkdtemp(prefix="mh-postfix-"))
        # The daemons run as `postfix` and must traverse to the queue.
        self.root.chmod(0o755)
        for d in ("conf", "queue", "data", "vmail"):
            (self.root / d).mkdir()
        pw = pwd.getpwnam("postfix")
        os.chown(self.root / "data", pw.pw_uid, pw.pw_gid)
        os.chown(self.root / "vmail", pw.pw_uid, pw.pw_gid)
        (self.root / "conf" / "vmailbox").write_text(
            "".join(f"{m} {m.partition('@')[0]}/\n" for m in self.mailboxes))
        for attempt in range(5):
            self.port = self.port if (self.port and attempt == 0) else _free_port()
            self._write_config(pw.pw_uid, pw.pw_gid)
            r = self._postfix("start")
            if r.returncode == 0 and self._wait_listening():
                self._started = True
                return self
            self._postfix("abort")
        log = self.log()[-2000:]
        self._cleanup()
        raise RuntimeError(f"postfix did not start: {log}")

    def _write_config(self, uid: int, gid: int) -> None:
        assert self.root is not None
        (self.root / "conf" / "main.cf").write_text(MAIN_CF.format(
            root=self.root, daemon_dir=DAEMON_DIR, hostname=self.hostname, domain=self.domain,
            uid=uid, gid=gid))
        (self.root / "conf" / "master.cf").write_text(
            MASTER_CF.format(listen=f"{self.host}:{self.port}"))

    def _postfix(self, command: str) -> subprocess.CompletedProcess[str]:
        assert self.root is not None
        return subprocess.run([POSTFIX, "-c", str(self.root / "conf"), command],
                              capture_output=True, text=True, timeout=60, check=False)

    def _wait_listening(self, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    s.settimeout(5)
                    if s.recv(512).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        return True
            except OSError:
                time.sleep(0.1)
        return False

    def log(self) -> str:
        if self.root is None:
            return ""
        path = self.root / "postfix.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self._started:
            self._postfix("stop")
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and self._postfix("status").returncode == 0:
                time.sleep(0.1)
            if self._postfix("status").returncode == 0:
                self._postfix("abort")
            self._started = False
        self._cleanup()

    def _cleanup(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> PostfixServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
