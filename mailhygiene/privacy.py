"""Masking of addresses for reports, logs and errors (law 09-08, GDPR), and terminal hygiene."""

from __future__ import annotations

import re

_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_EMAILISH_RE = re.compile(r"[^\s<>\"'(),;:@]+@[^\s<>\"'(),;:@]+")


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
