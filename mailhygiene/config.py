"""Every default in one place."""

from __future__ import annotations

DEFAULT_DB = "mailhygiene.duckdb"
DEFAULT_LEVEL = "mx"
# DuckDB's memory ceiling (it spills to `<store>.tmp/` beyond it). DESIGN.md: 10M rows must fit
# in 2 GB RSS; without a ceiling DuckDB takes up to 80% of the machine's memory (2.2 GB RSS on
# a 10M-row check here). Override with MAILHYGIENE_MEMORY_LIMIT (a DuckDB size, e.g. 8GB).
MEMORY_LIMIT = "1536MB"
# ... raised for very wide files: DuckDB holds a buffer per column of a table being written
# (measured: 9,000 columns load under 1.5 GB, 10,000 do not).
MEMORY_PER_COLUMN = 256 * 1024
MEMORY_BASE = 512 * 1024 * 1024
# The most columns an input may have: what a spreadsheet holds (Excel: 16,384). Wider files
# are refused with a clear error rather than a memory failure.
MAX_COLUMNS = 16_384
# The cleaned CSV is written as row ranges side by side (one per DuckDB thread) when each
# range has at least this many rows: below it the extra connections cost more than they save.
PARALLEL_WRITE_ROWS = 100_000

# Columns appended to the cleaned CSV, in this order. Every column this tool writes starts with
# OUTPUT_PREFIX.
OUTPUT_PREFIX = "mh_"
OUTPUT_COLUMNS = (
    "mh_status",
    "mh_reason",
    "mh_evidence",
    "mh_address",
    "mh_flags",
    "mh_duplicate_of",
)

# Rows above a table's header that may be titles (a title, a date, a filter; titles.py):
# the header is looked for among the first MAX_TITLE_ROWS + 1 non-blank rows.
MAX_TITLE_ROWS = 10

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
MX_HOSTS_MAX = 10  # MX hosts resolved per domain, lowest preference first
DNS_SAVE_BATCH = 5000  # cache rows written per statement while a run goes on

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
# Hygiene reports and check's terminal summary name a domain only when at least this many of
# the base's unique addresses hold it: gmail.com or a large firm's domain says nothing about
# anyone, but jean-dupont.fr held by one or two addresses names a family. Below it the domain
# is masked (j***.fr) as the addresses are. 10 is the smallest count statistical offices
# usually publish in a table cell.
SHOWN_DOMAIN_MIN_ADDRESSES = 10
SEARCH_TOP = 10
SEARCH_THRESHOLD = 0.05  # LSH Ensemble containment threshold for candidates (see search.py)

# Phones and suppression lists (issue 11)
DEFAULT_PHONE_REGION = "MA"  # national numbers are read as Moroccan unless --default-region
# Header words that mark a phone/fax column (compared casefolded, accents stripped, per word)
PHONE_HEADER_WORDS = frozenset({
    "tel", "tels", "telephone", "telephones", "phone", "phones", "fax", "telecopie", "mobile",
    "mob", "gsm", "portable", "cell", "cellular", "cellulaire", "fixe", "standard", "mobil",
})
# ... or that a header starts or ends with once its words are joined ("PhoneNumber",
# "NumeroTelephone"); "tel" alone is only a word ("Hotel" and "Telegram" are not phones).
PHONE_HEADER_STEMS = ("phone", "telephone", "mobile", "fax", "gsm", "portable")
DEFAULT_SUPPRESSION_LIST = "default"

# Bounce history (issue 5): repeated soft bounces become risky/soft_bounced only when at least
# this many recipient-side soft events span at least this many days (a mailbox full for a week
# is a holiday; one full for a month is abandoned).
SOFT_BOUNCE_MIN_EVENTS = 2
SOFT_BOUNCE_MIN_DAYS = 30

# SMTP probing (issue 6). No default HELO name or sender: those must be the operator's own.
SMTP_PORT = 25
SMTP_PER_HOST_CONCURRENCY = 1  # connections at once to one MX address
SMTP_CONCURRENCY = 20  # connections at once, in total
SMTP_RATE = "10/s"  # new connections + RCPT commands per second, globally
SMTP_TIMEOUT = 15.0  # seconds for any reply (RFC 5321 §4.5.3.2 allows minutes; we give up)
# Longest a session may sit idle waiting for its next --rate token before it closes (RSET,
# QUIT) and leaves the rest for a later session. Well below the 5 minutes a server may wait
# for us (RFC 5321 §4.5.3.2.7), with a margin under a server that drops idle connections
# after 30 s (at a 30 s bound the farm did, measured), and 10x the 2 s a session waits at
# the defaults (20 sessions sharing 10 tokens/s).
SMTP_MAX_IDLE = 20.0
SMTP_GREYLIST_DELAY = 600.0  # first retry after 10 min (postgrey's default delay is 5 min)
SMTP_GREYLIST_MAX_AGE = 86400.0  # stop retrying after a day
SMTP_MAX_RCPT_PER_SESSION = 20  # RFC 5321 §4.5.3.1.8: servers must take 100; ask fewer
SMTP_DOMAIN_PAUSE = 60.0  # leave a domain alone this long after 421 / 4.7.x
SMTP_SESSION_ATTEMPTS = 3  # sessions in a row without any answer before giving up
SMTP_REPROBE_AFTER = 30 * 86400.0  # settled answers younger than this are reused
BOUNCE_INSERT_BATCH = 5000  # bounce events staged per INSERT while importing
