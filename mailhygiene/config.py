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

# Provenance: keyed hashes and MinHash fingerprints (issue 7)
HMAC_KEY_ENV = "MAILHYGIENE_KEY"
HMAC_MIN_KEY_BYTES = 16  # below this a warning: the key is what keeps keyed hashes secret
FINGERPRINT_NUM_PERM = 256  # std err of the Jaccard estimate <= 0.5/sqrt(256) = 0.031
FINGERPRINT_SEED = 1  # datasketch's default seed
# datasketch 2 "affine64": 64-bit inputs and permutations, no 32-bit saturation on large bases
FINGERPRINT_SCHEME = "affine64"
COMPARE_TOP_DOMAINS = 20
SEARCH_TOP = 10
SEARCH_THRESHOLD = 0.05  # LSH Ensemble containment threshold for candidates (see search.py)
