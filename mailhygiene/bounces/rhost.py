"""What some providers mean by their own error codes and words (sisimai's "Rhost" rules).

A provider is recognised by the recipient's domain or by the remote MTA that answered; its
rule reads the diagnostic and returns a reason, or "" when it has nothing to say (then the
generic classification stands). Reasons use this package's vocabulary (sisimai 5).

Sources: the providers' postmaster pages as sisimai cites them (Cox:
cox.com/residential/support/cox-postmaster-email-administration; Orange and La Poste:
postmastery.com/orange-postmaster-smtp-error-codes-ofr and smtpfieldmanual.com/provider/orange;
Yahoo: senders.yahooinc.com/smtp-error-codes; Mimecast: community.mimecast.com, "Mimecast SMTP
Error Codes"; MessageLabs (Symantec Email Security.cloud): knowledge.broadcom.com articles).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mailhygiene.bounces.reasons import normalize_text

# Hosts (a leading dot: any name under it) and recipient domains of each provider.
PROVIDERS: dict[str, tuple[str, ...]] = {
    "kddi": (".ezweb.ne.jp", ".au.com"),
    "cox": (".cox.net",),
    "orange": (".laposte.net", ".orange.fr", ".wanadoo.fr"),
    # Only the MX hosts: yahoo.com, yahoo.fr, aol.com... mailboxes are served by them.
    "yahoo": (".yahoodns.net",),
    "mimecast": (".mimecast.com",),
    "messagelabs": (".messagelabs.com",),
}

# KDDI (au, ezweb) answers "550 : User unknown" (no address) when the recipient's own filter
# refuses the sender, and "550 <address>: User unknown" when the mailbox does not exist.
_KDDI = (("550 : user unknown", "filtered"), (">: user unknown", "userunknown"))

# Cox: "AUP#CODE" in the reply.
_COX_CODES = {
    "CXBL": "blocked", "CDRBL": "blocked", "CXDNS": "requireptr", "CXSNDR": "authfailure",
    "CXSMTP": "rejected", "CXCNCT": "ratelimited", "CXMXRT": "ratelimited",
    "CXTHRT": "securityerror", "CXMJ": "securityerror",
    **{f"IPBL{b}": "blocked" for b in ("0001", "0010", "0100", "0011", "0101", "0110", "0111",
                                        "1000", "1001", "1010", "1011", "1100", "1101", "1110",
                                        "1111", "00001")},
    **{f"URLBL{b}": "spamdetected" for b in ("011", "101", "110", "1001")},
}
_COX_WORDS = (
    ("cox too many bad commands from", "blocked"), ("too many invalid recipients", "blocked"),
    ("dns check failure - try again later", "requireptr"), ("rejected - no rdns", "requireptr"),
    ("esmtp no data before greeting", "policyviolation"),
    ("attachment extension is forbidden", "policyviolation"),
    ("sender rejected", "rejected"),
    ("esmtp server temporarily not available", "systemerror"),
    ("too many sessions from", "ratelimited"),
    ("requested action aborted: try again later", "ratelimited"),
    ("message threshold exceeded", "ratelimited"),
    ("recipient rejected", "userunknown"),
)
_COX_CODE_RE = re.compile(r"AUP#([A-Z0-9]+)")

# Orange / La Poste: the last number of a label such as "OFR_416", "OFR006_102", "LPN007_420",
# "LPNAAA_101" or "OUK_513". Codes Orange gives to several causes ("please try later") are
# left to the generic classification.
_ORANGE_CODES = {
    "101": "blocked", "102": "blocked", "103": "blocked", "104": "ratelimited",
    "305": "securityerror", "401": "authfailure", "402": "securityerror", "403": "rejected",
    "405": "rejected", "415": "rejected", "416": "userunknown", "417": "mailboxfull",
    "420": "suspend", "421": "rejected", "426": "suspend", "505": "systemerror",
    "506": "spamdetected", "510": "blocked", "514": "emailtoolarge", "517": "authfailure",
    "630": "policyviolation", "999": "blocked",
}
_ORANGE_LABEL_RE = re.compile(r"\b(?:lpnaaa|lpn|ofr|ouk)[0-9]*[_-]?([0-9]{3})\b")
_ORANGE_WORDS = (("spf/dns de votre nom de domaine", "authfailure"),)


_YAHOO_WORDS = (
    ("yahoo requires all senders to authenticate with either spf or dkim", "authfailure"),
    (" because the ip is in spamhaus's list;", "blocked"),
    ("not accepted from ip addresses on spamhaus xbl", "blocked"),
    ("relaying denied for ", "norelaying"),
    ("headers are not rfc compliant", "notcompliantrfc"),
    ("not accepted for policy reasons", "policyviolation"),
    # [TSS04]: Yahoo gives it for volume, complaints and unauthenticated senders alike.
    ("temporarily deferred due to unexpected volume or user complaints", "rejected"),
    ("due to unresolvable rfc.5321 domain", "rejected"),
    (" will be permanently deferred", "rejected"),
    ("user is receiving mail too quickly", "ratelimited"),
    ("max message per connection reached", "ratelimited"),
    (" is no longer valid.", "suspend"),
    ("this mailbox is disabled", "suspend"),
    ("syntax error in parameters or arguments", "syntaxerror"),
    ("dd this user doesn't have a ", "userunknown"),
    ("mailbox not found", "userunknown"),
)

# Mimecast: (reply code, phrase) pairs; the same words under another code mean nothing here.
_MIMECAST = (
    ("550", "spf sender invalid - envelope rejected", "authfailure"),
    ("550", "dkim sender invalid - envelope rejected", "authfailure"),
    ("550", "dmarc sender invalid - envelope rejected", "authfailure"),
    ("451", "internal resources are temporarily unavailable", "badreputation"),
    ("550", "local ct ip reputation - (reject)", "badreputation"),
    ("421", "sender address blocked", "blocked"),
    ("451", "recipient temporarily unavailable", "blocked"),
    ("451", "ip temporarily blacklisted", "blocked"),
    ("550", "journal messages past the expiration", "expired"),
    ("553", "this route requires encryption (tls)", "failedstarttls"),
    ("553", "this route requires tls version 1.2 or greater", "failedstarttls"),
    ("553", "this route requires high-strength ciphers", "failedstarttls"),
    ("554", "configuration is invalid for this certificate", "failedstarttls"),
    ("554", "maximum email size exceeded", "emailtoolarge"),
    ("451", "the incorrect hostname used for inbounds", "networkerror"),
    ("550", "the incorrect hostname used for inbounds", "networkerror"),
    ("554", "mail loop detected", "networkerror"),
    ("451", "open relay not allowed", "norelaying"),
    ("451", "open relay is not allowed", "norelaying"),
    ("451", "account inbounds disabled", "notaccept"),
    ("451", "account outbounds disabled", "onhold"),
    ("451", "hostname is not authorized", "onhold"),
    ("550", "journal message past expiration", "onhold"),
    ("550", "anti-spoofing policy - inbound not allowed", "policyviolation"),
    ("550", "rejected by header-based anti-spoofing policy", "policyviolation"),
    ("550", "message bounced due to content examination policy", "policyviolation"),
    ("554", "host network not allowed", "policyviolation"),
    ("554", "host network, not allowed", "policyviolation"),
    ("550", "administrative prohibition envelope blocked", "rejected"),
    ("550", "envelope blocked - user entry", "rejected"),
    ("550", "envelope blocked - user domain entry", "rejected"),
    ("550", "rejected by header-based manually blocked senders", "rejected"),
    ("550", "rejected by header-based blocked senders", "rejected"),
    ("550", "envelope rejected - block policy for envelope from address", "rejected"),
    ("535", "incorrect authentication data", "securityerror"),
    ("550", "submitter failed to authenticate", "securityerror"),
    ("451", "unable to process connection at this time", "systemerror"),
    ("451", "message ended early", "systemerror"),
    ("451", "unable to process command", "systemerror"),
    ("451", "unable to process an email at this time", "systemerror"),
    ("451", "account service is temporarily unavailable", "ratelimited"),
    ("452", "too many recipients", "ratelimited"),
    ("550", "exceeding outbound thread limit", "ratelimited"),
    ("501", "invalid address", "userunknown"),
    ("503", "user unknown", "userunknown"),
    ("550", "invalid recipient", "userunknown"),
    ("554", "email rejected due to security policies", "virusdetected"),
)


_MESSAGELABS_WORDS = (
    ("domain authentication fail", "authfailure"),
    ("connection rejected by policy", "badreputation"),
    ("mail rejected because your ip is in the pbl", "blocked"),
    ("your ip address has been ", "blocked"),
    ("stray linefeeds in message", "contenterror"),
    ("tls/sslv3 connection required", "failedstarttls"),
    (" as a relay, ", "norelaying"),
    ("550 requested action aborted [4]", "notcompliantrfc"),
    ("has detected that this message is not rfc 5322", "notcompliantrfc"),
    ("sender envelope domain not allowed for sender ip address", "rejected"),
    ("your domain has been blocked", "rejected"),
    ("your email address has been blocked", "rejected"),
    ("your envelope sender is in my badmailfrom list", "rejected"),
    ("your email address has been blacklisted", "rejected"),
    ("your domain has been blacklisted", "rejected"),
    ("please turn on smtp authentication in your mail client", "securityerror"),
    ("message filtered", "spamdetected"),
    ("filtered by outbound scanning", "spamdetected"),
    ("too many recipients received this hour", "ratelimited"),
    ("too many messages", "ratelimited"),
    ("no such user", "userunknown"),
    ("invalid recipient", "userunknown"),
    ("mailbox is not allowed", "userunknown"),
)


def _words(text: str, table: tuple[tuple[str, str], ...]) -> str:
    return next((reason for phrase, reason in table if phrase in text), "")


def _by_words(table: tuple[tuple[str, str], ...]) -> Callable[[str, str, str], str]:
    """The rule of a provider known by its wording alone."""
    return lambda diagnostic, text, replycode: _words(text, table)


def _cox(diagnostic: str, text: str, replycode: str) -> str:
    m = _COX_CODE_RE.search(diagnostic.upper())
    if m and m.group(1) in _COX_CODES:
        return _COX_CODES[m.group(1)]
    return _words(text, _COX_WORDS)


def _orange(diagnostic: str, text: str, replycode: str) -> str:
    labels = _ORANGE_LABEL_RE.findall(text)
    if labels:
        return _ORANGE_CODES.get(labels[-1], "")
    return _words(text, _ORANGE_WORDS)


def _mimecast(diagnostic: str, text: str, replycode: str) -> str:
    return next((reason for code, phrase, reason in _MIMECAST
                 if code == replycode and phrase in text), "")


_RULES: dict[str, Callable[[str, str, str], str]] = {
    "kddi": _by_words(_KDDI), "cox": _cox, "orange": _orange, "yahoo": _by_words(_YAHOO_WORDS),
    "mimecast": _mimecast, "messagelabs": _by_words(_MESSAGELABS_WORDS)}
_HOST_RE = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")


def _under(name: str, suffix: str) -> bool:
    return name == suffix.lstrip(".") or name.endswith(suffix)


def provider(address: str, remote_mta: str) -> str:
    """The provider whose rules apply: by the recipient's domain, else by the remote MTA's
    host names; "" for none."""
    domain = address.rpartition("@")[2].lower()
    hosts = [domain, *_HOST_RE.findall(remote_mta.lower())]
    for name in hosts:
        for prov, suffixes in PROVIDERS.items():
            if name and any(_under(name, s) for s in suffixes):
                return prov
    return ""


def provider_reason(address: str, remote_mta: str, diagnostic: str,
                    replycode: str = "") -> str:
    """The reason the recipient's provider means by `diagnostic` (`replycode`: the SMTP reply
    code), or "" when no provider rule applies. The text is normalized only then."""
    prov = provider(address, remote_mta)
    return _RULES[prov](diagnostic, normalize_text(diagnostic), replycode) if prov else ""
