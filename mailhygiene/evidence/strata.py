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
