from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from mailhygiene.enrich import (
    apply_enrichment,
    is_disposable,
    is_free,
    is_role,
    normalize_local,
    osa_distance,
    popular_domains,
    risky_reason,
    suggest_domain,
    typo_candidates,
)
from mailhygiene.store import Store
from mailhygiene.syntax import check_syntax
from mailhygiene.types import Flag, Reason


def build_base(store: Store, header: Sequence[str], rows: Sequence[Sequence[str]],
               address_index: int = 0, name: str = "t") -> int:
    """A base as the importer leaves it: bases row, input table c1..cN + row_no, contacts with
    syntax verdicts and first-seen dedupe (until pipeline.import_base is usable in tests)."""
    base_id = int(store.scalar("SELECT nextval('base_ids')"))
    table = f"input_{base_id}"
    cols = ", ".join(f"c{i + 1} VARCHAR" for i in range(len(header)))
    store.execute(f"CREATE TABLE {table} ({cols}, row_no BIGINT)")
    store.executemany(
        f"INSERT INTO {table} VALUES ({', '.join('?' for _ in header)}, ?)",
        [[*r, i + 1] for i, r in enumerate(rows)],
    )
    fmt = {"columns": list(header), "address_index": address_index}
    store.execute(
        "INSERT INTO bases (base_id, name, file, rows, format, table_name) VALUES (?,?,?,?,?,?)",
        [base_id, name, f"{name}.csv", len(rows), json.dumps(fmt), table],
    )
    seen: dict[str, int] = {}
    contacts = []
    for i, r in enumerate(rows, start=1):
        raw = r[address_index]
        s = check_syntax(raw)
        if not s.ok:
            status, reason, dup = "invalid", str(s.reason), None
        elif s.key in seen:
            status, reason, dup = "duplicate", "duplicate_of", seen[s.key]
        else:
            assert s.key is not None
            seen[s.key] = i
            status, reason, dup = "unknown", "smtp_skipped", None
        contacts.append([base_id, i, raw, s.normalized, s.key, s.domain, s.ok, status, reason,
                         "syntax", "", dup, ""])
    store.executemany(
        "INSERT INTO contacts (base_id, row_no, raw, address, key, domain, syntax_ok, status, "
        "reason, evidence, flags, dup_of, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        contacts,
    )
    return base_id


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "s.duckdb")


# -- typo suggestions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        pytest.param("gmial.com", "gmail.com", id="transposition"),
        pytest.param("gamil.com", "gmail.com", id="transposition-2"),
        pytest.param("gmal.com", "gmail.com", id="deletion"),
        pytest.param("gnail.com", "gmail.com", id="adjacent-key"),
        pytest.param("gmail.con", "gmail.com", id="tld-con"),
        pytest.param("gmail.cmo", "gmail.com", id="tld-transposed"),
        pytest.param("gmail.co", "gmail.com", id="tld-co-slip"),
        pytest.param("gmail.c", "gmail.com", id="tld-cut"),
        pytest.param("gmaill.con", "gmail.com", id="name-and-tld"),
        pytest.param("hotmial.fr", "hotmail.fr", id="hotmial-fr"),
        pytest.param("hotmail.frr", "hotmail.fr", id="tld-doubled"),
        pytest.param("hotmail.cm", "hotmail.com", id="tld-cm-slip"),
        pytest.param("yahooo.fr", "yahoo.fr", id="yahooo-fr"),
        pytest.param("yaho.fr", "yahoo.fr", id="yaho-fr"),
        pytest.param("menara.m", "menara.ma", id="menara-cut"),
        pytest.param("menar.ma", "menara.ma", id="menara-deletion"),
        pytest.param("outlok.fr", "outlook.fr", id="outlook"),
        pytest.param("wanadoo.ff", "wanadoo.fr", id="wanadoo"),
        pytest.param("lapost.net", "laposte.net", id="laposte"),
        pytest.param("GMIAL.COM", "gmail.com", id="case"),
        pytest.param("free.fe", "free.fr", id="short-name-tld-fix"),
    ],
)
def test_suggests_popular_domain(domain: str, expected: str) -> None:
    assert suggest_domain(domain) == expected


@pytest.mark.parametrize(
    "domain",
    [
        pytest.param("gmail.com", id="itself"),
        pytest.param("ymail.com", id="ymail-real"),
        pytest.param("mail.com", id="mail-com-real"),
        pytest.param("email.com", id="email-com-real"),
        pytest.param("orange.com", id="orange-com-real"),
        pytest.param("hotmail.be", id="real-tld-kept"),
        pytest.param("aol.fr", id="aol-fr"),
        pytest.param("sfe.fr", id="short-name-no-edit"),
        pytest.param("fre.fr", id="short-name-no-edit-2"),
        pytest.param("gmail.fr", id="real-tld-not-replaced"),
        pytest.param("hotmail.co", id="ambiguous-com-or-co-uk"),
        pytest.param("hotmail.c", id="ambiguous-cut"),
        pytest.param("example.com", id="unrelated"),
        pytest.param("entreprise.ma", id="unrelated-ma"),
        pytest.param("localhost", id="no-dot"),
        pytest.param("", id="empty"),
    ],
)
def test_no_suggestion(domain: str) -> None:
    assert suggest_domain(domain) is None


def _edits(word: str) -> set[str]:
    letters = "abcdefghijklmnopqrstuvwxyz-."
    out = {word[:i] + word[i + 1:] for i in range(len(word))}
    out |= {word[:i] + c + word[i + 1:] for i in range(len(word)) for c in letters}
    out |= {word[:i] + c + word[i:] for i in range(len(word) + 1) for c in letters}
    out |= {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
    return out


def test_typo_prefilter_keeps_every_domain_suggest_domain_corrects(store: Store) -> None:
    """enrich skips the typo search for domains typo_candidates leaves out: it must leave out
    none that suggest_domain would correct (every one- and two-edit variant of every popular
    domain, plus the table above and unrelated names)."""
    rng = random.Random(7)
    domains: set[str] = {"example.com", "entreprise.ma", "GMIAL.COM", "gmail.c", "menara.m"}
    for dom in sorted(popular_domains()):
        one = _edits(dom)
        domains |= one
        domains |= {e for w in rng.sample(sorted(one), 2) for e in _edits(w)}
    domains = {d for d in domains if d}
    corrected = {d for d in domains if suggest_domain(d) is not None}
    kept = typo_candidates(store, sorted(domains))
    assert len(corrected) > 1000  # the table exercises the search, not only trivial cases
    assert corrected <= kept, sorted(corrected - kept)[:20]
    assert len(kept) < len(domains)  # and it does filter


def test_typosquat_in_disposable_list_still_gets_a_suggestion() -> None:
    # The disposable blocklist holds typosquats such as gmial.com; typo wins (precedence).
    assert is_disposable("gmial.com")
    assert suggest_domain("gmial.com") == "gmail.com"


@pytest.mark.parametrize(
    ("a", "b", "d"),
    [("gmail", "gmial", 1), ("gmail", "gmail", 0), ("abc", "", 3), ("ca", "abc", 3),
     ("hotmail", "hotmial", 1), ("yahoo", "yahooo", 1), ("kitten", "sitting", 3)],
)
def test_osa_distance(a: str, b: str, d: int) -> None:
    assert osa_distance(a, b) == d == osa_distance(b, a)


# -- role / free / disposable -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "role"),
    [
        pytest.param("info", True, id="info"),
        pytest.param("INFO", True, id="case"),
        pytest.param("info2", True, id="trailing-digit"),
        pytest.param("no-reply", True, id="no-reply"),
        pytest.param("no_reply", True, id="no_reply"),
        pytest.param("ne-pas-repondre", True, id="ne-pas-repondre"),
        pytest.param("postmaster", True, id="rfc2142"),
        pytest.param("webmaster", True, id="webmaster"),
        pytest.param("rh", True, id="rh"),
        pytest.param("comptabilite", True, id="comptabilite"),
        pytest.param("contact+promo", True, id="plus-tag"),
        pytest.param("jean.dupont", False, id="person"),
        pytest.param("information.produit", False, id="not-exact"),
        pytest.param("fatima.zahra", False, id="person-2"),
    ],
)
def test_is_role(local: str, role: bool) -> None:
    assert is_role(local) is role


def test_role_names_have_two_letters_at_least() -> None:
    # The SQL prefilter of apply_enrichment relies on it.
    from mailhygiene.enrich import role_local_parts

    assert min(len(r) for r in role_local_parts()) >= 2


def test_normalize_local() -> None:
    assert normalize_local("No.Reply_2") == "noreply"
    assert normalize_local("sales+fr") == "sales"


@pytest.mark.parametrize(
    ("domain", "free", "disposable"),
    [
        pytest.param("gmail.com", True, False, id="gmail"),
        pytest.param("menara.ma", True, False, id="menara"),
        pytest.param("laposte.net", True, False, id="laposte"),
        pytest.param("Yahoo.FR", True, False, id="case"),
        pytest.param("yopmail.com", False, True, id="yopmail"),
        pytest.param("mailinator.com", False, True, id="mailinator"),
        pytest.param("box.mailinator.com", False, True, id="disposable-subdomain"),
        pytest.param("example.ma", False, False, id="company"),
    ],
)
def test_free_and_disposable(domain: str, free: bool, disposable: bool) -> None:
    assert is_free(domain) is free
    assert is_disposable(domain) is disposable


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        pytest.param({Flag.ROLE, Flag.TYPO, Flag.DISPOSABLE}, Reason.POSSIBLE_TYPO,
                     id="typo-first"),
        pytest.param({Flag.ROLE, Flag.DISPOSABLE}, Reason.DISPOSABLE, id="disposable-over-role"),
        pytest.param({Flag.ROLE, Flag.FREE}, Reason.ROLE_ACCOUNT, id="role"),
        pytest.param({Flag.FREE}, None, id="free-is-not-risky"),
        pytest.param(set(), None, id="none"),
    ],
)
def test_risky_reason_precedence(flags: set[Flag], reason: Reason | None) -> None:
    assert risky_reason(flags) == reason


# -- applied to a base ------------------------------------------------------------------------


def _rows(store: Store, base_id: int) -> dict[int, tuple[str, str, str, str]]:
    return {
        r[0]: (r[1], r[2], r[3], r[4])
        for r in store.fetchall(
            "SELECT row_no, status, reason, flags, coalesce(detail, '') FROM contacts "
            "WHERE base_id = ? ORDER BY row_no", [base_id])
    }


def test_apply_enrichment_statuses_flags_and_precedence(store: Store) -> None:
    rows = [
        ["contact@entreprise.ma"],        # 1 role
        ["jean@gmial.com"],               # 2 typo (+ disposable: typosquat in the blocklist)
        ["info@yopmail.com"],             # 3 role + disposable -> disposable
        ["fatima@gmail.com"],             # 4 free only: status unchanged
        ["not an address"],               # 5 invalid syntax: untouched
        ["Contact@entreprise.ma"],        # 6 duplicate of 1: keeps duplicate, gains flag
        ["karim@hotmial.fr"],             # 7 typo
        ["no-reply@entreprise.ma"],       # 8 role (normalized local part)
        ["sara@entreprise.ma"],           # 9 nothing
        ["ventes@gmail.com"],             # 10 role + free -> role
        ["omar@gmal.com"],                # 11 typo; made invalid below (MX): stays invalid
        ["admin@entreprise.ma"],          # 12 role; made do_not_mail below: stays
        ["support@entreprise.ma"],        # 13 role; risky/soft_bounced from history: kept
    ]
    base_id = build_base(store, ["email"], rows)
    store.execute("UPDATE contacts SET flags = 'mx_fallback' WHERE row_no = 9 OR row_no = 1")
    store.execute("UPDATE contacts SET status = 'invalid', reason = 'domain_not_found', "
                  "evidence = 'dns' WHERE row_no = 11")
    store.execute("UPDATE contacts SET status = 'do_not_mail', reason = 'suppressed' "
                  "WHERE row_no = 12")
    store.execute("UPDATE contacts SET status = 'risky', reason = 'soft_bounced' "
                  "WHERE row_no = 13")

    stats = apply_enrichment(store, base_id)
    got = _rows(store, base_id)

    assert got[1] == ("risky", "role_account", "mx_fallback,role", "")
    assert got[2][:2] == ("risky", "possible_typo")
    assert got[2][2] == "disposable,typo"
    assert got[2][3] == "did you mean gmail.com"
    assert got[3] == ("risky", "disposable", "disposable,role", "")
    assert got[4] == ("unknown", "smtp_skipped", "free", "")
    assert got[5][0] == "invalid" and got[5][2] == ""
    assert got[6] == ("duplicate", "duplicate_of", "role", "")
    assert got[7] == ("risky", "possible_typo", "typo", "did you mean hotmail.fr")
    assert got[8] == ("risky", "role_account", "role", "")
    assert got[9] == ("unknown", "smtp_skipped", "mx_fallback", "")
    assert got[10] == ("risky", "role_account", "free,role", "")
    assert got[11] == ("invalid", "domain_not_found", "typo", "did you mean gmail.com")
    assert got[12] == ("do_not_mail", "suppressed", "role", "")
    assert got[13] == ("risky", "soft_bounced", "role", "")

    assert stats.rows == 11  # every row but 5 (invalid) and 9 (nothing)
    assert stats.role == 7  # rows 1, 3, 6, 8, 10, 12, 13
    assert stats.typo == 3
    assert stats.free == 2
    assert stats.disposable == 2
    assert stats.marked == {"disposable": 1, "possible_typo": 2, "role_account": 3}
    assert stats.distinct_domains == 6

    # Idempotent: a second run changes nothing.
    apply_enrichment(store, base_id)
    assert _rows(store, base_id) == got


def test_sql_local_part_matches_python(store: Store) -> None:
    """The SQL normalization of local parts equals normalize_local (role flag agreement)."""
    locals_ = ["info", "Info.2", "no-reply", "no_reply", "n.o.r.e.p.l.y", "sales+fr", "rh1",
               "jean", "contact-us", "service_client", "x.info", "info-x", "12", "ventes",
               "_info", "-rh", "+info", "i.nfo", "in.fo", "r2h", "rh2", "i", "r", "it", "i-t",
               "no.reply+news", "SALES99", "c.o.n.t.a.c.t", "é.info", "ïnfo", "in_fo",
               "-.-info", "__rh", "Rh", "r+h", "in+fo", "é", "ab",
               # trailing separators and digits, digits inside or in front, near misses
               "info-", "info_2_", "rh.2.3", "info2x", "1info", "noreplyx",
               "xnoreply", "no--reply", "info-.1", "info+", "sales++x", "rh+2", "r.h"]
    base_id = build_base(store, ["email"], [[f"{x}@entreprise.ma"] for x in locals_])
    apply_enrichment(store, base_id)
    got = _rows(store, base_id)
    for i, local in enumerate(locals_, start=1):
        assert ("role" in got[i][2].split(",")) is is_role(local), local


@pytest.mark.network
def test_typo_suggestions_at_the_mx_level(tmp_path: Path) -> None:
    """At the mx level (the default) every row carries a DNS detail: the suggestion of a
    possible typo was in no detail, and the report's typo table was empty. A typo whose domain
    DNS finds invalid keeps its DNS detail; the report takes its suggestion from the domain."""
    from click.testing import CliRunner

    from mailhygiene.cli import main
    from mailhygiene.devtools.unbound import LocalDns
    from mailhygiene.report.check_data import _typos

    src = tmp_path / "list.csv"
    src.write_text("email\njean@gmial.com\nomar@gmal.com\nsara@gmail.com\n")
    db = tmp_path / "s.duckdb"
    # gmial.com receives mail (typo domains often do); gmal.com does not exist.
    dns = LocalDns([("gmial.com", "MX", "10 mx.gmial.com."), ("mx.gmial.com", "A", "127.0.0.12"),
                    ("gmail.com", "MX", "10 mx.gmail.com."), ("mx.gmail.com", "A", "127.0.0.13")])
    dns.start()
    try:
        r = CliRunner().invoke(main, ["check", str(src), "--db", str(db), "--no-progress",
                                      "--nameserver", dns.address, "--allow-loopback"])
    finally:
        dns.stop()
    assert r.exit_code == 0, r.output
    with Store(db) as store:
        got = store.fetchall("SELECT raw, status, reason, detail FROM contacts ORDER BY row_no")
        assert got == [
            ("jean@gmial.com", "risky", "possible_typo", "did you mean gmail.com"),
            ("omar@gmal.com", "invalid", "domain_not_found", "NXDOMAIN"),
            ("sara@gmail.com", "unknown", "smtp_skipped", "MX mx.gmail.com")]
        (row,) = _typos(store, 1, show_addresses=True)
    assert (row.suggestion, row.count) == ("gmail.com", 2)
    assert row.typed_domains == [("gmal.com", 1), ("gmial.com", 1)]
