"""Every default in one place."""

from __future__ import annotations

DEFAULT_DB = "mailhygiene.duckdb"
DEFAULT_LEVEL = "mx"

# Columns appended to the cleaned CSV, in this order.
OUTPUT_COLUMNS = (
    "mh_status",
    "mh_reason",
    "mh_evidence",
    "mh_address",
    "mh_flags",
    "mh_duplicate_of",
)

# Header names recognised as the address column (compared casefolded, accents stripped).
ADDRESS_HEADERS = (
    "email",
    "e-mail",
    "e_mail",
    "mail",
    "courriel",
    "adresse email",
    "adresse e-mail",
    "adresse mail",
    "adresse electronique",
    "adresse",
    "email address",
    "e-mail address",
    "emailaddress",
    "mail address",
    "address",
)

# DNS
DNS_CONCURRENCY = 200
DNS_TIMEOUT = 3.0  # seconds per query attempt
DNS_RETRIES = 1  # one retry with backoff for transient failures (issue 4)
DNS_BACKOFF = 0.5
NEGATIVE_TTL_CAP = 3600  # RFC 2308 says cap negative caching; an hour is a common choice
POSITIVE_TTL_CAP = 86400
TRANSIENT_TTL = 0  # transient errors are never cached as final

# Sizes
WILSON_Z = 1.959963984540054  # 95% two-sided
