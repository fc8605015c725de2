"""How A's addresses are split into strata, and the stated bounds used without a baseline.

An address's stratum is (class, kind): the class says whether A's own checks or bounce history
show it invalid and why; the kind says how visible such an address usually is (role and
business addresses are published on web pages, personal freemail addresses much less)."""

from __future__ import annotations

INVALID_CLASSES = ("inv_syntax", "inv_domain", "inv_mailbox")
# The class of A's addresses its bounce history (or an SMTP probe) shows unknown: mostly people
# who left, as visible as valid addresses (model.pooled_baseline, ASSUMED_BOUNDS below).
BOUNCED = "inv_mailbox"
CLASS_GROUP = {"ok": "public", "inv_syntax": "invalid", "inv_domain": "invalid",
               "inv_mailbox": "invalid"}

# Without any baseline source, the only usable statements are bounds on how often an
# independent collector finds addresses that do not exist (stated in the report as
# assumptions): malformed strings are almost never published, dead domains sometimes are (old
# pages). Valid addresses get no bound: they are not weighed; nor are bounced mailboxes, mostly
# people who left, whose old pages publish them as often as valid addresses (an exploratory
# test found them in independent crawls at 7-25%, and a 5% bound gave every such crawl 10^3).
ASSUMED_BOUNDS = {"inv_syntax": 0.02, "inv_domain": 0.05}

ROLE_LOCAL_PARTS = (
    "abuse", "accueil", "admin", "administration", "billing", "bonjour", "booking", "bureau",
    "careers", "commande", "commercial", "compta", "comptabilite", "contact", "contacts",
    "direction", "dg", "export", "facturation", "finance", "hello", "help", "hr", "info",
    "infos", "information", "jobs", "marketing", "mail", "noreply", "no-reply", "office",
    "postmaster", "presse", "press", "rh", "recrutement", "reservation", "reservations",
    "sales", "secretariat", "service", "serviceclient", "service.client", "support", "team",
    "vente", "ventes", "webmaster",
)

FREEMAIL_DOMAINS = (
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "ymail.com", "hotmail.com",
    "hotmail.fr", "outlook.com", "outlook.fr", "live.com", "live.fr", "msn.com", "icloud.com",
    "me.com", "aol.com", "aol.fr", "gmx.fr", "gmx.com", "gmx.de", "laposte.net", "orange.fr",
    "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "bbox.fr", "numericable.fr", "menara.ma",
    "iam.ma", "protonmail.com", "proton.me", "mail.com", "yandex.com", "yandex.ru",
    "mail.ru", "zoho.com", "tutanota.com",
)

# Entries people type when a form wants an address they will not give (test@test, toto@toto.fr,
# a@a, xxx@xxx.com, votre@email.com...): independent bases share them by habit, not by
# copying, and four such entries shared once made an independent B look copied. Left out of
# the evidence on both sides (counted in `a_generic`): a mailbox name or a first domain label
# that is one of these words or one character repeated, or both a single character. (Not
# RFC 2606's example.com: tests and documentation use it for real-looking addresses.)
GENERIC_LOCAL_PARTS = (
    "test", "tests", "testing", "essai", "toto", "tata", "titi", "tutu", "foo", "bar",
    "foobar", "asdf", "azerty", "qwerty", "abc", "abcd", "xyz", "exemple", "email", "nom",
    "name", "prenom", "votre", "vous", "your", "you", "user", "dummy", "fake", "nobody",
    "aucun", "none",
)
GENERIC_DOMAIN_LABELS = (
    "test", "essai", "toto", "tata", "titi", "foo", "bar", "asdf", "azerty", "qwerty",
    "exemple", "domaine", "domain", "votredomaine", "yourdomain", "fake", "dummy",
)
_REPEAT = "(?:" + "|".join(f"{c}{c}+" for c in "abcdefghijklmnopqrstuvwxyz0123456789") + ")"
GENERIC_RE = (
    f"^!?(?:{'|'.join(GENERIC_LOCAL_PARTS)}|{_REPEAT})@"
    f"|@(?:{'|'.join(GENERIC_DOMAIN_LABELS)}|{_REPEAT})(?:\\.[^@]*)?$"
    "|^!?[a-z0-9]@[a-z0-9](?:\\.[^@]*)?$"
)


def generic_sql(col: str) -> str:
    """SQL: the lower-cased key `col` is a generic entry (GENERIC_RE)."""
    return f"coalesce(regexp_matches({col}, '{GENERIC_RE}'), false)"
