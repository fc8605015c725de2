"""mx_wire.parse_reply must read replies exactly as dnspython does (Message.from_wire +
resolve_chaining): checked on generated replies, on real unbound replies, and on garbage."""

from __future__ import annotations

import contextlib
import socket

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailhygiene.devtools.unbound import LocalDns
from mailhygiene.domain_verdict import Answer, Outcome
from mailhygiene.mx_wire import MalformedReply, parse_reply
from tests.conftest import ZONE

MX, A, AAAA = dns.rdatatype.MX, dns.rdatatype.A, dns.rdatatype.AAAA


def reference(msg: dns.message.Message, rdtype: int) -> Answer:
    """The same facts, the slow way: dnspython's object model."""
    assert isinstance(msg, dns.message.QueryMessage)
    rcode = msg.rcode()
    if rcode == dns.rcode.SERVFAIL:
        return Answer(Outcome.SERVFAIL)
    if rcode == dns.rcode.REFUSED:
        return Answer(Outcome.REFUSED)
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        return Answer(Outcome.ERROR, detail=f"rcode {dns.rcode.to_text(rcode)}")
    try:
        chain = msg.resolve_chaining()
    except (dns.message.ChainTooLong, dns.message.AnswerForNXDOMAIN) as e:
        return Answer(Outcome.ERROR, detail=type(e).__name__)
    ttl = int(chain.minimum_ttl)
    if rcode == dns.rcode.NXDOMAIN:
        return Answer(Outcome.NXDOMAIN, ttl)
    if chain.answer is None:
        return Answer(Outcome.NODATA, ttl)
    if rdtype == MX:
        return Answer(Outcome.ANSWER, ttl, mx=tuple(
            (int(rd.preference),
             "." if rd.exchange == dns.name.root
             else rd.exchange.to_text(omit_final_dot=True).lower())
            for rd in chain.answer))
    return Answer(Outcome.ANSWER, ttl, addresses=tuple(str(rd.address) for rd in chain.answer))


def agree(wire: bytes, rdtype: int) -> None:
    mine = parse_reply(wire, rdtype).answer
    theirs = reference(dns.message.from_wire(wire), rdtype)
    assert mine == theirs


_label = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True)
_odd_label = st.binary(min_size=1, max_size=6).filter(lambda b: b not in (b".",))
_names = st.lists(st.one_of(_label, _label, _label, _odd_label.map(lambda b: b.decode("latin-1"))),
                  min_size=1, max_size=4)


def _name(labels: list[str]) -> dns.name.Name:
    return dns.name.Name([lb.encode("latin-1") for lb in labels] + [b""])


@st.composite
def replies(draw: st.DrawFn) -> tuple[bytes, int]:
    rdtype = draw(st.sampled_from([MX, A, AAAA]))
    qname = _name(draw(_names))
    query = dns.message.make_query(qname, rdtype, id=draw(st.integers(0, 65535)))
    resp = dns.message.make_response(query)
    resp.set_rcode(dns.rcode.Rcode(draw(st.sampled_from([0, 0, 0, 3, 3, 2, 5, 1, 4]))))
    owner = qname
    for _ in range(draw(st.integers(0, 3))):  # a CNAME chain
        target = _name(draw(_names))
        rr = dns.rrset.from_text(owner.to_text(), draw(st.integers(0, 10**6)), "IN", "CNAME",
                                 target.to_text())
        resp.answer.append(rr)
        owner = target
    if draw(st.booleans()):
        ttl = draw(st.integers(0, 2**31 - 1))
        if rdtype == MX:
            texts = [f"{draw(st.integers(0, 65535))} {_name(draw(_names)).to_text()}"
                     for _ in range(draw(st.integers(1, 3)))]
            if draw(st.booleans()):
                texts = ["0 ."]
        elif rdtype == A:
            texts = [str(draw(st.ip_addresses(v=4))) for _ in range(draw(st.integers(1, 3)))]
        else:
            texts = [str(draw(st.ip_addresses(v=6))) for _ in range(draw(st.integers(1, 3)))]
        owner_ = owner if draw(st.integers(0, 4)) else _name(draw(_names))  # sometimes unrelated
        resp.answer.append(dns.rrset.from_text_list(owner_, ttl, "IN", rdtype, texts))
    if draw(st.booleans()):
        labels = owner.labels[:-1]
        cut = draw(st.integers(0, len(labels)))
        zone = dns.name.Name((*labels[cut:], b""))
        mname = dns.name.from_text("ns", origin=zone).to_text()
        rname = dns.name.from_text("host", origin=zone).to_text()
        resp.authority.append(dns.rrset.from_text(
            zone, draw(st.integers(0, 10**6)), "IN", "SOA",
            f"{mname} {rname} 1 2 3 4 {draw(st.integers(0, 10**6))}"))
    if draw(st.booleans()):
        resp.additional.append(dns.rrset.from_text("extra.example.", 60, "IN", "A", "192.0.2.7"))
    if draw(st.booleans()):
        resp.use_edns(0, payload=1232)
    return resp.to_wire(), rdtype


# dnspython draws from `random` somewhere while building messages; harmless here.
_QUIET = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")


@_QUIET
@settings(max_examples=400, deadline=None)
@given(replies())
def test_agrees_with_dnspython_on_generated_replies(reply: tuple[bytes, int]) -> None:
    agree(*reply)


@_QUIET
@settings(max_examples=400, deadline=None)
@given(replies(), st.data())
def test_garbage_raises_only_malformed_reply(reply: tuple[bytes, int], data: st.DataObject
                                             ) -> None:
    wire, rdtype = reply
    cut = data.draw(st.integers(0, len(wire)))
    flip = data.draw(st.integers(0, max(0, len(wire) - 1)))
    mutated = bytearray(wire[:cut] if data.draw(st.booleans()) else wire)
    if mutated:
        mutated[min(flip, len(mutated) - 1)] ^= data.draw(st.integers(1, 255))
    with contextlib.suppress(MalformedReply):
        parse_reply(bytes(mutated), rdtype)


def test_unfinished_cname_chain_is_left_to_the_stub() -> None:
    query = dns.message.make_query("alias.example.", MX)
    resp = dns.message.make_response(query)
    resp.answer.append(dns.rrset.from_text("alias.example.", 77, "IN", "CNAME", "Real.Example."))
    reply = parse_reply(resp.to_wire(), MX)
    assert reply.answer.outcome is Outcome.NODATA
    assert reply.chase == ("real.example", 77)
    resp.authority.append(dns.rrset.from_text("example.", 60, "IN", "SOA",
                                              "ns.example. h.example. 1 2 3 4 30"))
    assert parse_reply(resp.to_wire(), MX).chase is None  # a real NODATA for the target


def test_truncated_flag() -> None:
    query = dns.message.make_query("big.example.", MX)
    resp = dns.message.make_response(query)
    resp.flags |= dns.flags.TC
    assert parse_reply(resp.to_wire(), MX).truncated


@pytest.mark.network
@pytest.mark.parametrize("domain", list(ZONE))
def test_agrees_with_dnspython_on_unbound_replies(local_dns: LocalDns, domain: str) -> None:
    names = [domain, *ZONE[domain].mx_hosts]
    for name in names:
        for rdtype in (MX, A, AAAA):
            query = dns.message.make_query(name, rdtype, use_edns=0)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(0.3)
                sock.sendto(query.to_wire(), ("127.0.0.1", local_dns.port))
                try:
                    wire = sock.recv(65535)  # the raw bytes, as the stage reads them
                except TimeoutError:
                    continue  # the timeout zone
            agree(wire, rdtype)
