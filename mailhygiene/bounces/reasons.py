"""Pure classification: RFC 3463 status code + diagnostic text -> sisimai-vocabulary reason.

The decision follows sisimai's semantics (github.com/sisimai/go-sisimai, reason/find.go): a
first pass where the status code and the text must agree (specific reasons first), then a
text-only pass when the status code names no reason or only a vague one, then the class of the
status code. The phrase tables are the wording real MTAs use (Postfix, Sendmail, Exim, qmail,
Exchange, Gmail, Yahoo...), not the wording of any sample file.

Hard vs soft (RFC 3463 section 3): only recipient-invalid outcomes are hard (userunknown,
hostunknown, hasmoved, and notaccept for a permanent 5.x.x / 5xx); a 4.x.x code or a 4xx reply
is a persistent transient failure and never hard."""

from __future__ import annotations

import re

# Reasons whose name comes from an enhanced status code (RFC 3463, IANA registry; RFC 7505 for
# null MX, RFC 7372 for the 5.7.2x authentication codes).
STATUS_REASONS: dict[str, str] = {
    "2.1.5": "delivered",
    "4.1.6": "hasmoved", "4.1.7": "rejected", "4.1.8": "rejected", "4.1.9": "systemerror",
    "4.2.1": "blocked", "4.2.2": "mailboxfull", "4.2.3": "emailtoolarge", "4.2.4": "filtered",
    "4.3.1": "systemfull", "4.3.2": "notaccept", "4.3.3": "systemerror", "4.3.5": "systemerror",
    "4.4.1": "expired", "4.4.2": "networkerror", "4.4.3": "systemerror", "4.4.4": "networkerror",
    "4.4.5": "systemfull", "4.4.6": "networkerror", "4.4.7": "expired", "4.4.8": "networkerror",
    "4.5.3": "systemerror", "4.5.5": "systemerror",
    "4.6.0": "contenterror", "4.6.2": "contenterror", "4.6.5": "contenterror",
    "4.7.1": "blocked", "4.7.2": "blocked", "4.7.5": "securityerror", "4.7.6": "securityerror",
    "4.7.7": "securityerror", "4.7.12": "securityerror", "4.7.15": "securityerror",
    "4.7.16": "emailtoolarge", "4.7.24": "authfailure", "4.7.25": "requireptr",
    "4.7.26": "authfailure",
    "5.1.0": "userunknown", "5.1.1": "userunknown", "5.1.2": "hostunknown",
    "5.1.3": "userunknown", "5.1.4": "filtered", "5.1.6": "hasmoved", "5.1.7": "rejected",
    "5.1.8": "rejected", "5.1.9": "systemerror", "5.1.10": "notaccept",
    "5.2.0": "filtered", "5.2.1": "filtered", "5.2.2": "mailboxfull", "5.2.3": "emailtoolarge",
    "5.2.4": "filtered",
    "5.3.0": "systemerror", "5.3.1": "systemfull", "5.3.2": "notaccept", "5.3.3": "systemerror",
    "5.3.4": "emailtoolarge", "5.3.5": "systemerror",
    "5.4.0": "networkerror", "5.4.3": "systemerror", "5.4.4": "hostunknown",
    "5.5.2": "syntaxerror", "5.5.3": "ratelimited", "5.5.4": "systemerror",
    "5.5.5": "systemerror", "5.5.6": "syntaxerror",
    "5.6.0": "contenterror", "5.6.1": "contenterror", "5.6.2": "contenterror",
    "5.6.3": "contenterror", "5.6.5": "contenterror", "5.6.6": "contenterror",
    "5.6.7": "contenterror", "5.6.8": "contenterror", "5.6.9": "contenterror",
    "5.7.13": "suspend", "5.7.16": "emailtoolarge", "5.7.17": "hasmoved", "5.7.18": "hasmoved",
    "5.7.20": "authfailure", "5.7.21": "authfailure", "5.7.22": "authfailure",
    "5.7.23": "authfailure", "5.7.24": "authfailure", "5.7.25": "requireptr",
    "5.7.26": "authfailure", "5.7.27": "notaccept", "5.7.28": "spamdetected",
    "5.7.29": "authfailure", "5.7.30": "failedstarttls",
}
for _c in ("5.7.0", "5.7.1", "5.7.2", "5.7.3", "5.7.4", "5.7.5", "5.7.6", "5.7.7", "5.7.8",
           "5.7.9", "5.7.10", "5.7.11", "5.7.14", "5.7.15", "5.7.19"):
    STATUS_REASONS[_c] = "securityerror"

# Reasons a vague status code gives, which the text may refine (sisimai: "should be retried").
VAGUE = frozenset({"", "undefined", "onhold", "systemerror", "securityerror", "expired",
                   "networkerror", "hostunknown", "userunknown"})
# Recipient-invalid reasons: the address itself is wrong (RFC 3463 X.1.1, X.1.2, X.1.6).
RECIPIENT_INVALID = frozenset({"userunknown", "hostunknown", "hasmoved"})
# Failures about the sender, the message or the path, not the recipient's address: they never
# count against it (DESIGN.md: a policy or reputation reply is never invalid).
SENDER_SIDE = frozenset({
    "blocked", "spamdetected", "rejected", "norelaying", "policyviolation", "authfailure",
    "requireptr", "securityerror", "badreputation", "ratelimited", "contenterror",
    "virusdetected", "notcompliantrfc", "failedstarttls", "syntaxerror", "emailtoolarge",
    "mailererror",
})
# SMTP commands issued before DATA: a rejection there cannot be about the message content.
BEFORE_DATA = frozenset({"CONN", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT"})


def _rx(*phrases: str) -> re.Pattern[str]:
    """A case-insensitive alternation. A phrase may contain `...` meaning "then, later"."""
    parts = [".*?".join(re.escape(p) for p in ph.split("...")) for ph in phrases]
    return re.compile("|".join(f"(?:{p})" for p in parts), re.S)


TEXT: dict[str, re.Pattern[str]] = {
    "mailboxfull": _rx(
        "mailbox full", "mailbox is full", "mailbox...full", "full mailbox", "mailfolder is full",
        "quota exceeded", "quota...exceeded", "over quota", "overquota", "exceeded storage",
        "exceeds allowed size", "mailbox size limit", "would exceed...storage", "disk quota",
        "452 insufficient disk space", "no space left on device", "not sufficient disk space",
        "user has too many messages", "space has been used up", "boite du destinataire pleine",
        "out of storage", "storage quota", "mailbox...exceeded...limit", "quota violation",
        "too much mail data", "has exceeded quota", "exceeding receiving limits",
        "not enough...space", "inbox is out of"),
    "emailtoolarge": _rx(
        "message too big", "message too large", "message size exceeds", "message file too big",
        "size limit", "exceeded maximum inbound message size", "max message size exceeded",
        "exceeded the maximum incoming message size", "message length exceeds",
        "line limit exceeded", "taille limite du message"),
    "suspend": _rx(
        "is currently suspended", "has been suspended", "temporary locked", "temporarily locked",
        "mailbox disabled", "mailbox is disabled", "account is disabled", "account disabled",
        "account has been disabled", "inactive account", "account is inactive",
        "tried to reach is disabled", "tried to reach is inactive", "inactive user",
        "deactivated mailbox", "user is terminated", "mailbox currently suspended",
        "mailbox is frozen", "mailbox unavailable or access denied", "temporarily inactive",
        "suspend the service", "discontinued", "this address no longer accepts mail",
        "user or domain is disabled", "user suspended", "account is locked", "archived recipient",
        "boite du destinataire archivee"),
    "hasmoved": _rx(" has been replaced by ", "has moved", "no longer at this address"),
    "norelaying": _rx(
        "as a relay", "insecure mail relay", "permitted to relay", "no relaying", "not a gateway",
        "not allowed to relay", "not an open relay", "relay access denied", "relay denied",
        "relay not permitted", "relaying denied", "relaying mail to ", "unable to relay",
        "not configured to relay", "we don't handle mail for", "we do not relay",
        "isn't in my list of allowed rcpthost", "specified domain is not allowed",
        "requires authentication when attempting to send to a non-local",
        "email address is not verified"),
    "authfailure": _rx(
        "spf.pobox.com", "bad spf records", "dmarc policy", "dmarc validation",
        "required authentication level", "spf settings", "sender policy framework",
        "spf check: fail", "spf fail", "spf validation", "dkim validation", "dkim signature",
        "dmarc",
        "authentication requirements defined for the sender", "does not pass dmarc",
        "fails to pass authentication", "per it's spf record", "unauthenticated email",
        "is not allowed to send mail...spf"),
    "userunknown": _rx(
        "user unknown", "unknown user", "unknown recipient", "recipient unknown", "no such user",
        "no such recipient", "no such mailbox", "no such address", "no such person",
        "user not found", "user does not exist", "user not exist", "user doesn't exist",
        "user not known", "user not active", "unknown mailbox", "mailbox not found",
        "mailbox does not exist", "mailbox unavailable", "mailbox is unavailable",
        "mailbox not present", "mailbox invalid", "mailbox is inactive", "invalid mailbox",
        "invalid recipient", "not a valid recipient", "not a valid mailbox", "not a valid user",
        "is not a known user", "no mailbox", "recipient does not exist", "recipient not found",
        "recipient not exist", "recipient is not local", "recipient not ok",
        "recipient rejected: invalid", "address does not exist", "address unknown",
        "address invalid", "invalid address", "address not present in directory",
        "does not exist.", "doesn't have a...account", "email account that you tried to reach "
        "does not exist", "no account by that name", "there is no one at this address",
        "bad destination mailbox", "badrcptto", "not in my validrcptto", "unknown local part",
        "unknown local-part", "unknown e-mail address", "unknown email address",
        "no longer valid", "recipient address rejected: unknown user",
        "recipient address rejected: user unknown", "recipient address rejected: invalid user",
        "recipient address rejected: access denied",
        "not our customer", "the email address you entered couldn't be found",
        "resolver.adr.recipientnotfound", "resolver.adr.recipient notfound",
        "no existe", "utilisateur inconnu", "adresse inconnue", "unbekannter empf",
        "nessun utente", "non-existent user", "nonexistent user", "invalid or unknown virtual",
        "user missing home directory", "can't accept user",
        "not listed in public name & address book",
        "invalid final delivery userid", "recipient name is not recognized",
        "account does not exist", "recipient address rejected. (in reply to rcpt to",
        "destination addresses were unknown", "your envelope recipient has been denied",
        "weil die adresse nicht gefunden wurde"),
    # Fixed wording of particular MTAs that only ever means "no such mailbox" (Exchange,
    # IMail, Lotus Notes/Domino, Microsoft 365, InterScan): no SMTP command needed to trust it.
    "userunknown_strong": _rx(
        "recipient name is not recognized", "invalid final delivery userid",
        "not listed in public name & address book", "not listed in domino directory",
        "resolver.adr.recipientnotfound", "resolver.adr.recipnotfound",
        "because the address couldn't be found", "please check if address is correct",
        "recipient not found by smtp address lookup", "delivery error: dd this user doesn't have",
        "recipient address rejected: access denied", "recipient email address is possibly "
        "incorrect"),
    # The destination domain accepts no mail at all (RFC 7505 null MX, no MX and no address).
    "notaccept_strong": _rx(
        "null mx", "nullmx", "doesn't receive email according to the administrator",
        "does not accept mail", "couldn't find a mail exchanger", "no mx record found for domain",
        "accepts no mail"),
    "filtered": _rx(
        "account is protected by", "message filtered", "rejected due to user rules",
        "not accepting any mail", "refuse to receive", "refuses to receive",
        "recipient preferences", "only accepting mail from specific", "user reject",
        "blocked by the recipient", "has restricted sms e-mail", "bounced address"),
    "requireptr": _rx(
        "ip name lookup failed", "ptr record", "reverse dns", "cannot find your hostname",
        "cannot resolve your address", "reverse lookup rejected", "unresolvable relay host name",
        "generic dns ptr", "mismatches client ip", "invalid rdns", "rdns", "reverse dns lookup",
        "unverifyable sending ips", "forward dns entry does not point"),
    "notcompliantrfc": _rx(
        "not rfc 5322 compliant", "not rfc 2822 compliant", "rfcmessagenoncompliant",
        "duplicate header", " multiple ... header", "rfc 5322 violation"),
    "badreputation": _rx(
        "ip reputation", "sender reputation", "low reputation", "poor reputation",
        "bad reputation", "domain reputation", "sending ip's reputation",
        "temporarily rate limited due to ip reputation", "reputation of the sending",
        "has a bad sending reputation"),
    "contenterror": _rx(
        "header size exceeds", "8-bit data in message header", "mime complexity",
        "invalid mime headers", "improperly-formatted binary content",
        "unnecessary base64 encoding", "too many received: headers", "header error",
        "message header size"),
    "rejected": _rx(
        "access denied (in reply to mail from", "sender blacklisted", "address rejected",
        "administrative prohibition", "batv", "backscatter protection", "bogus mail from",
        "purported responsible address", "valid sender domain", "bouncedeny",
        "delivery not authorized, message refused", "domain of sender address ",
        "sender address rejected", "emetteur invalide", "empty envelope senders",
        "envelope blocked", "no third-party dsns", "from: domain is invalid",
        "fully qualified email address required", "invalid sender", "sender invalid",
        "registered gateway user", "mail from not owned by user",
        "null sender is not allowed", "returned mail not accepted here", "sender is in my black",
        "recipient addresses rejected : access denied", "sending to/from an address that has",
        "sender is spammer", "sender not pre-approved", "sender rejected", "sender domain is empty",
        "sender verify failed", "sender was rejected", "spam reporting address",
        "empty email address", "does not accept mail from", "unsigned dsn",
        "unroutable sender address", "not allowed to post to this", "address has been blacklisted",
        "submit messages to this e-mail system has been rejected", "sender address has been",
        "sender's list of senders", "list of senders to accept mail from",
        "not have permission to post", "permission to post messages to this group"),
    "hostunknown": _rx(
        "domain does not exist", "domain is not reachable", "domain must exist",
        "host or domain name not found", "host unknown", "unknown host", "host unreachable",
        "mail domain mentioned in email address is unknown", "name or service not known",
        "no such domain", "unknown domain", "account or domain may not exist",
        "553 ... does not exist", "domain not found", "domain name not found",
        "unrouteable domain", "has no mx or a record", "dns lookup failure: host ... not found",
        "all relevant mx records point to non-existent hosts"),
    "spamdetected": _rx(
        " - spam", "help_spam_16", "unsolicited", "blacklisted url", "block for spam",
        "no spam please", "spamassassin", "detected as spam", "content filter rejection",
        "bulk email", "bulk e-mail", "spam list", "probability of spam", "classified as spam",
        "mail content denied", "may consider spam", "considered as spam", "contains spam",
        "message content rejected", "looks like spam", "seems to be a spam",
        "spamprofiler", "rejected as spam", "unacceptable content", "suspected spam",
        "message rejected for policy reasons", "possible spam", "thinks this email is spam",
        "probable spam", "bulk.advertising", "banned content", "rejecting mail content",
        "spam-like", "sender domain listed at ", "spam filter", "spam blocked", "spam check",
        "spam content", "spam detected", "spam email", "spam message", "spam not accepted",
        "spam refused", "spam rejection", "spam score", "identified spam", "spamming not allowed",
        "spam complaints", "too much spam", "rejected by spam", "bulk mail",
        "appears to be spam", "identified as spam", "scored as spam", "recurrent pattern",
        "spam message not queued", "we dont accept spam", "similar to spam", "uribl",
        "considered spam", "probably spam", "triggered a spam", "spam contents",
        "antispam checks", "spam points", "mail score (... over ", "temporarily blocked by our "
        "filter", "rejected due to spam", "spam ... exceeded", "is blacklisted on",
        "message is spam", "identified this email as"),
    "ratelimited": _rx(
        "rate limited", "try again slower", "frequency limited",
        "rate that prevents additional messages",
        "too many connections", "too many concurrent", "too many smtp sessions",
        "too many simultaneous", "connection limit", "too fast", "exceeded the rate",
        "rate limit exceeded", "too many messages in this connection",
        "too many recipients", "sending rate", "throttl"),
    "blocked": _rx(
        " said: 550 blocked", "spamcop.net/bl", "bad sender ip address", "banned sending ip",
        "blacklisted by", "blocked using ", "blocked - see http", "dnsbl", "client host rejected",
        "confirm this mail server", "connection dropped", "connection refused",
        "connection reset by peer", "dropped by remote host", "spamhaus", "currently sending spam",
        "domain does not exist:", "zombied", "error: no valid recipients from ",
        "not accepting connections", "bad ip profile", "go away", "helo command rejected",
        "host network not allowed", "dynamic ip", "ip for sending mail", "is in a black list",
        "not allowed to send mail from", "no access from mail server",
        "no matches to nameserver query", "from your ip", "on our block list",
        "smtp server of your isp", "refused - see http", "multi-blacklist",
        "has not passed validation", "open proxy", "sender ip address rejected",
        "forbidden by your ip", "service not available, closing transmission channel",
        "after initial connection", "suspiciously like spammer", "unexpected volume",
        "your access ip ... has been rejected", "too many spams from your ip",
        "unwanted messages have been sent",
        "was blocked by ", "dynamic ips", "not allowed to connect", "you are sending spam",
        "listed in the rbl", "rbl on ", "temporary blacklisted", "requires confirmation",
        "access from ip address ... blocked", "blocked by earthlink", "is blocked",
        "barracudacentral", "rejected based on blacklist", "deferred due to user complaints",
        "listed as abusive", "is blacklisted", "abuseat.org", "refused to talk to me",
        "banned ip", "blocklist", "blacklist", "denylist", " rbl", "rbl:", "(rbl)",
        "ip address is listed", "your ip address", "your ip ... listed", "listed in"),
    "virusdetected": _rx(
        "virus", "malware", "infected", "executable files are not allowed",
        "banned attachment"),
    "policyviolation": _rx(
        "illegal attachment", "recipient is not accepting mail with", "members-only list",
        "closed mailing list", "denied by policy", "for policy reasons", "security policies",
        "header are not accepted", "local policy violation", "organizational settings",
        "message given low priority", "due to local policy", "messages with multiple addresses",
        "protocol violation", "not subscribed to this group", "organization policy",
        "content presents a potential", "containing images or other attachments",
        "mass mailer", "policy violation", "violates policy", "posts without solving a captcha"),
    "systemerror": _rx(
        "forwarding loop", "can't create user output file", "could not load drd",
        "internal error", "internal server error", "interrupted system call",
        "encountered an error while being processed", "mail loop", "local configuration error",
        "local error in processing", "loop was found", "loops back to myself",
        "configuration error", "queue file write error", "no mdb", "is misconfigured",
        "service currently unavailable", "system config error", "temporary local problem",
        "timeout waiting for input", "transaction failed ", "unable to connect ... daemon",
        "system error", "i/o error"),
    "networkerror": _rx(
        "could not connect and send", "dns records for the destination computer",
        "hop count exceeded", "host is unreachable", "host name lookup failure",
        "host not found, try again", "mail forwarding loop for ", "malformed name server reply",
        "unexpected name server reply", "forwarding loop count exceeded", "message looping",
        "routing loop", "no route to host", "too many hops", "unable to resolve route ",
        "unrouteable mail domain", "dns lookup failed", "temporary dns failure",
        "dns error", "network is unreachable"),
    "systemfull": _rx(
        "mail system full", "system is full", "disk full", "requested mail action aborted: "
        "exceeded storage allocation on server", "insufficient system storage",
        "server is out of disk", "too many messages in queue", "mail queue full",
        "insufficient system resources", "insufficient disk space"),
    "notaccept": _rx(
        "does not accept mail", "mail receiving disabled", "no mx record "
        "found for domain=", "no route for current request", "smtp protocol returned a permanent",
        "null mx", "nullmx", "accepts no mail", "does not receive mail"),
    "expired": _rx(
        "connection timed out", "could not find a gateway", "delivery attempts will continue",
        "delivery expired", "delivery time expired", "failed to deliver to domain ",
        "giving up on", "failing for a long time", "has been delayed", "not been collected",
        "expired after", "message expired", "message timed out", "retry time not reached",
        "envelope expired", "delivery failed ... attempts",
        "did not accept our requests to connect",
        "retry timeout exceeded", "server did not respond", "in the queue too long",
        "after multiple retries", "within the allowed queue period",
        "could not be delivered for more than", "could not be delivered for ... days",
        "timed out while", "time out", "timeout"),
    "failedstarttls": _rx(
        "starttls", "does not support tls", "tls required", "requires tls",
        "must issue a starttls", "tls negotiation",
        "encryption required", "tls handshake", "requiretls"),
    "securityerror": _rx(
        "account not subscribed to ses", "authentication credentials invalid",
        "authentication failure", "authentication required", "authentication turned on",
        "insecure mail relay", "unauthenticated senders not allowed", "verification failure",
        "turn on smtp authentication",
        "authentication is required", "authentication failed; server ... said: ",
        "authentification invalide", "authentification requise", " is a dead domain",
        "not authorized to perform ses:sendrawemail"),
    "suppressed": _rx(
        "suppression list", "suppressed", "address is on the suppression",
        "previously bounced", "recipient has been suppressed"),
    "mailererror": _rx(
        "x-unix", "mailer error", "pipe to", "command died with status", "command output:",
        "unknown mailer error", "exit code", "procmail", "couldn't execute",
        "child process"),
    "syntaxerror": _rx(
        "syntax error", "improper sequence of commands", "malformed address",
        "incorrectly constructed", "command unrecognized", "unrecognized command",
        "bad command sequence", "out of sequence", "command not recognized",
        "parameter not implemented"),
    "vacation": _rx(
        "out of the office", "out of office", "on vacation", "away from my mail",
        "auto-reply", "autoreply", "automatic reply", "absence", "en congé", "en conge"),
}

# First pass (status code and text agree), then the text-only pass; specific reasons first.
FIRST_PASS = ("mailboxfull", "emailtoolarge", "suspend", "hasmoved", "norelaying",
              "authfailure", "notaccept", "userunknown", "filtered", "requireptr",
              "notcompliantrfc",
              "badreputation", "contenterror", "rejected", "hostunknown", "spamdetected",
              "ratelimited", "blocked")
TEXT_PASS = ("mailboxfull", "authfailure", "badreputation", "ratelimited", "spamdetected",
             "virusdetected", "policyviolation", "norelaying", "systemerror", "networkerror",
             "suspend", "contenterror", "systemfull", "notaccept", "expired", "failedstarttls",
             "securityerror", "suppressed", "mailererror", "syntaxerror")

_STATUS_RE = re.compile(r"(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
_REPLY_RE = re.compile(r"(?<![\w.:/#=-])([245][0-5]\d)(?=[ -]+(?:[245]\.\d|\S)|\s*$|\s)")
_WS_RE = re.compile(r"\s+")
_COMMANDS = (
    (re.compile(r"\brcpt to\b|\brcpt command|after rcpt|in reply to rcpt|\[rcpt_to\]|"
                r"does not like recipient|following rcpt command", re.I), "RCPT"),
    (re.compile(r"after end of data|in reply to end of data|in reply to data|after data|"
                r"\bdata command|end of data|message content", re.I), "DATA"),
    (re.compile(r"after mail from|in reply to mail from|mail from command|"
                r"sender address rejected|<mail_from>|\[mail_from\]", re.I), "MAIL"),
    (re.compile(r"in reply to (?:ehlo|helo)|after (?:ehlo|helo)|helo command|ehlo command|"
                r"my name was rejected", re.I), "HELO"),
    (re.compile(r"after initial connection|connection refused|"
                r"while connected to|banner", re.I), "CONN"),
)


_CONTINUATION_RE = re.compile(r"(?<=\S)\s+[245]\d\d-(?:[245]\.\d{1,3}\.\d{1,3}\s+)?")


def normalize_text(text: str) -> str:
    """Lowercase, whitespace collapsed, RFC 5321 multiline reply prefixes ("550-5.2.1 ")
    inside the text removed: phrases match across folded lines."""
    return _CONTINUATION_RE.sub(" ", _WS_RE.sub(" ", text)).strip().lower()


def prefer_status(field: str, quoted: str, replycode: str = "") -> str:
    """Choose between a DSN Status: field and the code the remote server quoted.

    The more specific code wins: an X.0.0 or X.Y.0 field yields to a specific quoted code;
    4.4.7 yields too (RFC 3463: "the code for the actual problem found ... should be returned
    rather than this code"), as do the protocol codes X.5.x and 5.3.x system codes. When the
    two disagree on the class, the one agreeing with the reply code wins."""
    if not field or not quoted or field == quoted:
        return field or quoted
    if replycode and field[0] != quoted[0]:
        if replycode[0] == field[0]:
            return field
        if replycode[0] == quoted[0]:
            return quoted
    if field.endswith(".0.0"):
        return field if quoted.endswith(".0.0") else quoted
    if (".0" in field[1:]) and ".0" not in quoted[1:]:
        return quoted
    if quoted.endswith(".0.0"):
        return field
    if field in ("4.4.7", "4.7.0") or field.startswith("5.3.") or field[1:4] in (
            ".5.1", ".5.2", ".5.4", ".5.5"):
        return quoted
    if field == "5.1.1":
        return field if ".0" in quoted[1:] or quoted.startswith("5.5.") else quoted
    return field


_REPLY_STATUS_RE = re.compile(
    r"(?<![\w.])[245]\d\d[ -]['\"(\[]?([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")


def quoted_statuses(text: str) -> list[str]:
    """Enhanced codes the remote server quoted: those right after a reply code ("550 5.1.1",
    "550-'5.2.2") first, as they are what the server answered, then any other."""
    replied = [f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"
               for m in _REPLY_STATUS_RE.finditer(text)]
    loose = [f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"
             for m in _STATUS_RE.finditer(text)]
    return list(dict.fromkeys(replied + loose))


_REPLY_LINE_RE = re.compile(r"^[ \t>]*(?:<<<[ \t]*)?[45][0-5]\d[ -]\S", re.M)


def has_smtp_reply(text: str) -> bool:
    """Does the text quote an SMTP failure reply: with an enhanced status code ("550 5.1.1"),
    or as a transcript line ("<<< 550 ...", a line starting with "550 ")?"""
    return bool(_REPLY_STATUS_RE.search(text) or _REPLY_LINE_RE.search(text))


def status_for(field: str, text: str, replycode: str = "") -> str:
    """The status of one recipient from its Status: field (may be "") and diagnostic text."""
    quoted = [c for c in quoted_statuses(text) if c[0] in "45"] or quoted_statuses(text)
    vague = field or (quoted[0] if quoted else "")
    if vague in quoted and len(quoted) > 1 and (
            vague in ("4.4.7", "4.7.0") or vague.endswith(".0.0")):
        # An ambiguous code with a more specific cause quoted beside it (RFC 3463 4.4.7: "the
        # code for the actual problem found ... should be returned rather than this code").
        quoted = [c for c in quoted if c != vague]
    return prefer_status(field, quoted[0] if quoted else "", replycode)


def find_failure_status(text: str) -> str:
    """The first 4.x.x/5.x.x code in a text (a transcript quotes 2.x.x successes first)."""
    codes = [f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"
             for m in _STATUS_RE.finditer(text)]
    return next((c for c in codes if c[0] in "45"), codes[0] if codes else "")


def find_failure_replycode(text: str) -> str:
    codes = [m.group(1) for m in _REPLY_RE.finditer(text)]
    return next((c for c in codes if c[0] in "45"), codes[0] if codes else "")


def find_status(text: str) -> str:
    """The first RFC 3463 enhanced status code (class.subject.detail) in `text`, or ""."""
    m = _STATUS_RE.search(text)
    return f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}" if m else ""


def find_replycode(text: str) -> str:
    """The first RFC 5321 reply code (2xx/4xx/5xx) in a diagnostic text, or ""."""
    m = _REPLY_RE.search(text)
    return m.group(1) if m else ""


def find_command(text: str) -> str:
    """The SMTP command the remote server was answering, when the report says so."""
    for rx, name in _COMMANDS:
        if rx.search(text):
            return name
    return ""


def matches(reason: str, text: str) -> bool:
    """Does the (normalized) diagnostic text use one of `reason`'s phrases?"""
    rx = TEXT.get(reason)
    return bool(rx and text and rx.search(text))


def _first_pass(reason: str, code: str, text: str, command: str, replycode: str,
                status: str) -> bool:
    """Does the status code and/or text point at `reason` (sisimai's per-reason probes)?"""
    if reason == "userunknown":
        if code == "userunknown":
            # A 5.1.x with a relaying, blocking, quota or sender complaint is not about the
            # recipient (servers reuse 5.1.x loosely).
            return not (any(matches(r, text) for r in ("norelaying", "blocked", "mailboxfull",
                                                       "hasmoved", "notaccept_strong"))
                        or _rejected_text(text))
        # Unknown-user wording is only trusted as such when it answered RCPT TO; without the
        # command (or after DATA) it is a filter's wording (sisimai: filtered).
        if matches("userunknown_strong", text):
            return True
        # RFC 3463 X.1.x are addressing statuses: user-unknown wording there is about the
        # recipient even when the report omits the SMTP command (X.1.7/X.1.8 are the sender).
        # X.5.0 is a protocol-level refusal (RFC 3463), i.e. during the SMTP dialogue, not a
        # content filter after DATA.
        addressing = (status[2:4] == "1." and status[4:] not in ("7", "8", "9")) or \
            status[2:] == "5.0"
        return (command == "RCPT" or addressing) and matches("userunknown", text)
    if reason == "filtered":
        if code == "filtered":
            return matches("userunknown", text) or matches("filtered", text)
        if command in BEFORE_DATA:
            return False
        return matches("filtered", text) or matches("userunknown", text)
    if reason == "rejected":
        if code == "rejected":
            return True
        if command == "MAIL" and not any(matches(r, text) for r in ("blocked",
                                                                      "securityerror")):
            # RFC 5321: a refusal of MAIL FROM is about the sender, never the recipient.
            return True
        if command == "MAIL" or (command == "DATA" and code != "userunknown") or (
                code in ("", "securityerror", "systemerror", "onhold", "undefined")):
            return _rejected_text(text)
        return False
    if reason == "hostunknown":
        if status.startswith("4"):
            return False  # a transient DNS failure does not say the domain is gone
        if matches("notaccept_strong", text):
            return False
        if code == "hostunknown":
            return not matches("networkerror", text)
        return matches("hostunknown", text)
    if reason == "spamdetected":
        if not status:
            return False
        if code == "spamdetected":
            return True
        return command not in BEFORE_DATA and matches("spamdetected", text)
    if reason == "contenterror":
        if _first_pass("spamdetected", code, text, command, replycode, status):
            return False
        return code == "contenterror" or matches("contenterror", text)
    if reason == "suspend" and replycode == "525":
        return True
    if reason == "notaccept":
        return matches("notaccept_strong", text)
    if reason == "blocked" and not status and matches("spamdetected", text):
        return False  # leave it to the text pass, where content filters come first
    if reason == "norelaying" and command in ("CONN", "EHLO", "HELO"):
        return False
    if reason == "emailtoolarge" and status == "5.2.3":
        return True
    if reason == "hasmoved" and code == "hasmoved":
        return True  # X.1.6 (RFC 3463): mailbox has moved, no forwarding address
    if reason in ("ratelimited", "hasmoved", "notcompliantrfc", "suspend", "norelaying"):
        return matches(reason, text)
    return code == reason or matches(reason, text)


def _rejected_text(text: str) -> bool:
    # "recipient address rejected" is about the recipient, not the sender (Postfix wording).
    if any(p in text for p in ("recipient address rejected", "5.1.0 address rejected",
                               "sender ip address rejected")):
        return False
    return matches("rejected", text)


def classify(status: str, diagnostic: str, *, replycode: str = "", action: str = "",
             command: str = "", diagnostic_type: str = "", hint: str = "") -> str:
    """The reason for one recipient. `hint` is a reason a format-specific parser already knows
    for sure (an ESP's bounce type, an ARF report...); vague hints are re-examined."""
    if hint and hint not in VAGUE:
        return hint
    if status.startswith("2."):
        return "delivered"
    text = normalize_text(diagnostic)
    command = command or find_command(text)
    replycode = replycode or find_replycode(text)
    code = STATUS_REASONS.get(status, "")
    if diagnostic_type.upper() in ("", "SMTP"):
        for reason in FIRST_PASS:
            if _first_pass(reason, code, text, command, replycode, status):
                return reason
    if hint and hint not in ("undefined", "onhold"):
        return hint
    if code in VAGUE or diagnostic_type.upper() not in ("", "SMTP"):
        for reason in TEXT_PASS:
            if matches(reason, text):
                return reason
        if code:
            return code
        if status[:3] in ("5.6", "4.6"):
            return "contenterror"
        if status[:3] in ("5.7", "4.7"):
            return "securityerror"
        if diagnostic_type.upper().startswith("X-UNIX"):
            return "mailererror"
        if action in ("delayed", "expired"):
            return "expired"
        if command in ("EHLO", "HELO"):
            return "blocked"
    elif code:
        return code
    if matches("vacation", text):
        return "vacation"
    return "onhold" if text or status else "undefined"


def transient_code(status: str, replycode: str) -> bool:
    """A 4.x.x status, or a 4xx reply without a status: a persistent *transient* failure
    (RFC 3463 section 3.1), never final."""
    return status.startswith("4") or (not status and replycode.startswith("4"))


def _is_temporary(status: str, replycode: str, text: str) -> bool:
    if transient_code(status, replycode):
        return True
    return any(w in text for w in (" temporar", " persistent", "try again later"))


def is_hard(reason: str, status: str = "", replycode: str = "", diagnostic: str = "") -> bool:
    """Hard bounce: the recipient address is invalid for good (RFC 3463: X.1.1, X.1.2, X.1.3,
    X.1.6, X.1.10 null MX per RFC 7505). A 4.x.x status or 4xx reply is never hard."""
    if transient_code(status, replycode):
        return False
    if reason in RECIPIENT_INVALID:
        return True
    if reason == "notaccept":
        if status.startswith("5") or replycode.startswith("5"):
            return True
        return not _is_temporary(status, replycode, normalize_text(diagnostic))
    return False
