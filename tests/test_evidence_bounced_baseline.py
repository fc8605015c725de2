"""A's hard-bounced addresses are mostly people who left: real addresses that stale pages still
publish. Without a baseline of their own class (a bounce log of mailings sent before the
cut-off, or a reference, which has no bounce history), they must not take the near-zero rate
of malformed strings: every independent crawl then looked copied (log10 LR 6)."""

from mailhygiene.evidence.model import pooled_baseline


def test_bounced_stratum_not_pooled_with_malformed_ones() -> None:
    # post-cut-off baseline: no bounced address (the bounce log predates the cut-off)
    cells = {("ok", "business/seen"): (3000, 750), ("ok", "business/alone"): (400, 40),
             ("inv_syntax", "business/seen"): (300, 0), ("ok", "freemail"): (3300, 230),
             ("inv_syntax", "freemail"): (40, 0)}
    m, x = pooled_baseline(cells, "inv_mailbox", "business/seen")
    assert (m, x) == (3400, 790)  # its kind's valid-looking rate, not 0 of 300
    assert pooled_baseline(cells, "inv_mailbox", "freemail") == (3300, 230)


def test_bounced_stratum_keeps_its_own_baseline() -> None:
    cells = {("inv_mailbox", "business/seen"): (50, 12), ("ok", "business/seen"): (3000, 750),
             ("inv_syntax", "business/seen"): (300, 0)}
    assert pooled_baseline(cells, "inv_mailbox", "business/seen") == (50, 12)


def test_bounced_stratum_without_any_baseline_has_none() -> None:
    cells = {("inv_syntax", "business/seen"): (300, 0)}
    assert pooled_baseline(cells, "inv_mailbox", "business/seen") == (0, 0)
