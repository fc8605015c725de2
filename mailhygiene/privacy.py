"""Masking of addresses for reports, logs and errors (law 09-08, GDPR), and terminal hygiene."""

from __future__ import annotations

import re
from collections.abc import Sequence

_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# An address-looking token in free text; also read by SQL (DuckDB's RE2 takes it as is).
ADDRESS_PATTERN = r"[^\s<>\"'(),;:@]+@[^\s<>\"'(),;:@]+"
_EMAILISH_RE = re.compile(ADDRESS_PATTERN)
# A host or domain name in free text: two labels or more, the last one alphabetic (so not an
# IP address, an enhanced status code such as 5.1.1 or a version).
_HOST_RE = re.compile(r"(?<![\w.*@-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
                      r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9](?![\w*-])")


def mask_address(address: str) -> str:
    """`jean.dupont@example.ma` -> `j***@e***.ma`: first letter of the local part and of the
    domain's first label, and the public suffix's last label."""
    if "@" not in address:
        return (address[:1] + "***") if address else ""
    local, _, domain = address.rpartition("@")
    labels = domain.split(".")
    tld = labels[-1] if len(labels) > 1 else ""
    head = labels[0][:1] if labels and labels[0] else ""
    masked_domain = f"{head}***" + (f".{tld}" if tld else "")
    return f"{local[:1]}***@{masked_domain}"


def mask_text(text: str) -> str:
    """Masks every address-looking token inside free text (error messages, logs)."""
    return _EMAILISH_RE.sub(lambda m: mask_address(m.group(0)), text)


def strip_terminal_escapes(text: str) -> str:
    """Removes ANSI escape sequences, control and bidi-override characters before printing."""
    return _CTRL_RE.sub("", _ANSI_RE.sub("", text))


# What a table of masked domains shows for syntax-invalid addresses, which have no domain to
# group by (reports word it in their language).
NO_DOMAIN = "(no valid domain)"


def mask_domain(domain: str) -> str:
    """`example.ma` -> `e***.ma`, as `mask_address` masks the domain of an address."""
    if not domain:
        return NO_DOMAIN
    return mask_address(f"x@{domain}").split("@", 1)[1]


def distinct_masks(domains: list[str]) -> list[str]:
    """Masked domains, numbered where masking makes different ones look alike (orange.fr and
    outlook.fr are both o***.fr): `o***.fr (1)`, `o***.fr (2)` in the list's order, so a
    reader does not take two rows for one domain."""
    masks = [mask_domain(d) for d in domains]
    total = {m: masks.count(m) for m in masks}
    seen: dict[str, int] = {}
    out = []
    for m in masks:
        seen[m] = seen.get(m, 0) + 1
        out.append(f"{m} ({seen[m]})" if total[m] > 1 else m)
    return out


def shown_domains(counts: Sequence[tuple[str, int]], min_addresses: int) -> list[str]:
    """Each (domain, unique addresses holding it) as a hygiene report or summary shows it:
    the domain when at least `min_addresses` hold it, else masked (`distinct_masks`)."""
    masked = iter(distinct_masks([d for d, n in counts if n < min_addresses]))
    return [d if n >= min_addresses else next(masked) for d, n in counts]


def mask_hosts(text: str) -> str:
    """Masks every host or domain name inside free text (`MX mx.jean-dupont.fr` ->
    `MX m***.fr`); addresses should be masked first (`mask_text`)."""
    return _HOST_RE.sub(lambda m: mask_domain(m.group(0)), text)
