"""Provider rules (sisimai's Rhost): which provider a recipient or remote MTA names, and what
its codes and words mean. Pure tables."""

from __future__ import annotations

import pytest

from mailhygiene.bounces.rhost import provider, provider_reason


@pytest.mark.parametrize(
    ("address", "remote_mta", "want"),
    [
        pytest.param("u@ezweb.ne.jp", "", "kddi", id="kddi-domain"),
        pytest.param("u@example.jp", "dns;lsean.ezweb.ne.jp (TCP|192.0.2.1|25)", "kddi",
                     id="kddi-remote-mta"),
        pytest.param("u@mail.au.com", "", "kddi", id="kddi-subdomain"),
        pytest.param("u@notezweb.ne.jp", "", "", id="look-alike-domain"),
        pytest.param("u@cox.net", "", "cox", id="cox"),
        pytest.param("u@orange.fr", "", "orange", id="orange"),
        pytest.param("u@wanadoo.fr", "", "orange", id="wanadoo"),
        pytest.param("u@example.fr", "smtp-in.laposte.net", "orange", id="laposte-mx"),
        pytest.param("u@yahoo.fr", "", "", id="yahoo-domain-alone-is-not-enough"),
        pytest.param("u@yahoo.fr", "mta6.am0.yahoodns.net", "yahoo", id="yahoo-mx"),
        pytest.param("u@example.com", "us-smtp-inbound-1.mimecast.com", "mimecast",
                     id="mimecast"),
        pytest.param("u@example.com", "cluster1.eu.messagelabs.com", "messagelabs",
                     id="messagelabs"),
        pytest.param("u@example.com", "mx.example.com", "", id="other"),
        pytest.param("", "", "", id="nothing"),
    ],
)
def test_provider(address: str, remote_mta: str, want: str) -> None:
    assert provider(address, remote_mta) == want


@pytest.mark.parametrize(
    ("address", "remote_mta", "replycode", "diagnostic", "want"),
    [
        # KDDI: the address in the reply tells the mailbox from the filter.
        ("u@ezweb.ne.jp", "", "550", "550 <u@ezweb.ne.jp>: User unknown", "userunknown"),
        ("u@ezweb.ne.jp", "", "550", "550 : User unknown", "filtered"),
        ("u@ezweb.ne.jp", "", "552", "552 mailbox full", ""),
        # Cox: AUP# codes first, then words.
        ("u@cox.net", "", "554", "554 not allowed AUP#CXBL", "blocked"),
        ("u@cox.net", "", "550", "550 rejected AUP#IPBL1010 listed", "blocked"),
        ("u@cox.net", "", "550", "550 5.1.0 <u@cox.net> recipient rejected", "userunknown"),
        ("u@cox.net", "", "421", "421 too many sessions from 192.0.2.1", "ratelimited"),
        ("u@cox.net", "", "550", "550 no code here", ""),
        # Orange / La Poste: the number of the last label.
        ("u@orange.fr", "", "550", "550 5.1.1 Adresse d au moins un destinataire invalide. "
         "Invalid recipient. OFR_416 [416]", "userunknown"),
        ("u@laposte.net", "", "552", "552 5.1.1 Boite du destinataire pleine. Recipient "
         "overquota. LPN007_417", "mailboxfull"),
        ("u@wanadoo.fr", "", "421", "421 mwinf5c79 ME Trop de connexions. OFR005_104 [104]",
         "ratelimited"),
        ("u@orange.fr", "", "550", "550 mwinf5c10 ME Service refuse. OFR006_103 [103]",
         "blocked"),
        ("u@laposte.net", "", "550", "550 5.5.0 Le compte du destinataire est bloque. "
         "LPN007_426", "suspend"),
        ("u@orange.fr", "", "421", "421 4.2.0 Service refuse. OFR005_505 [505]",
         "systemerror"),
        ("u@laposte.net", "", "554", "554 5.7.1 Client host rejected LPN000_630",
         "policyviolation"),
        ("u@orange.fr", "", "421", "Veuillez essayer plus tard. OFR004_201", ""),
        ("u@orange.fr", "", "421", "421 Emetteur invalide, Veuillez verifier la configuration "
         "SPF/DNS de votre nom de domaine.", "authfailure"),
        ("u@orange.fr", "", "550", "550 5.1.1 user unknown", ""),
        # Yahoo (by its MX hosts).
        ("u@yahoo.fr", "mta6.am0.yahoodns.net", "421", "421 4.7.0 [TSS04] Messages from "
         "192.0.2.1 temporarily deferred due to unexpected volume or user complaints",
         "rejected"),
        ("u@yahoo.com", "mta5.am0.yahoodns.net", "554", "554 delivery error: dd This user "
         "doesn't have a yahoo.com account (u@yahoo.com)", "userunknown"),
        ("u@yahoo.com", "mta5.am0.yahoodns.net", "554", "554 30 Sorry, this mailbox is "
         "disabled (554.30)", "suspend"),
        ("u@yahoo.com", "", "554", "554 delivery error: dd This user doesn't have a yahoo.com "
         "account", ""),
        # Mimecast: the reply code must match too.
        ("u@example.com", "eu-smtp-inbound-1.mimecast.com", "554",
         "554 Host network not allowed - https://community.mimecast.com", "policyviolation"),
        ("u@example.com", "eu-smtp-inbound-1.mimecast.com", "550",
         "550 Invalid Recipient - https://community.mimecast.com", "userunknown"),
        ("u@example.com", "eu-smtp-inbound-1.mimecast.com", "451",
         "550 Invalid Recipient", ""),
        # MessageLabs (Symantec Email Security.cloud).
        ("u@example.com", "server-5.tower-1.messagelabs.com", "550",
         "550-Invalid recipient <u@example.com> 550 (#5.1.1)", "userunknown"),
        ("u@example.com", "server-5.tower-1.messagelabs.com", "553",
         "553-mail rejected because your IP is in the PBL. See http://www.spamhaus.org/pbl",
         "blocked"),
        ("u@example.com", "server-5.tower-1.messagelabs.com", "553",
         "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)", "rejected"),
        ("u@example.com", "server-5.tower-1.messagelabs.com", "542",
         "542 u@example.com Rejected", ""),
    ],
)
def test_provider_reason(address: str, remote_mta: str, replycode: str, diagnostic: str,
                         want: str) -> None:
    assert provider_reason(address, remote_mta, diagnostic, replycode) == want


@pytest.mark.parametrize(("reason", "want"), [("feedback", "feedback"),
                                              ("delivered", "delivered"),
                                              ("vacation", "vacation"),
                                              ("blocked", "userunknown")])
def test_provider_rules_never_turn_other_outcomes_into_refusals(reason: str, want: str) -> None:
    from mailhygiene.bounces.detect import _remote_host
    from mailhygiene.bounces.model import BounceEvent

    ev = BounceEvent(source="x", index=1, address="u@yahoo.com", reason=reason,
                     status="5.0.0", remote_mta="mta5.am0.yahoodns.net",
                     diagnostic="554 delivery error: dd This user doesn't have a yahoo.com "
                                "account")
    out = _remote_host(ev)
    assert out.reason == want
    assert out.hard is (want == "userunknown")
