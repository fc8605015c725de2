"""Issue 5 accuracy goals on ../shared/data/bounces (go-sisimai's expectations), per recipient
matched by (file, index). The same figures are printed by `make bench-bounces`."""

from __future__ import annotations

import pytest

from mailhygiene.bounces.accuracy import Accuracy, explicit_status, measure
from tests.data import BOUNCES_DIR

pytestmark = pytest.mark.skipif(not (BOUNCES_DIR / "expected.jsonl").is_file(),
                                reason="shared bounce data not present")


@pytest.fixture(scope="module")
def acc() -> Accuracy:
    return measure(BOUNCES_DIR)


def test_no_crash_on_any_file(acc: Accuracy) -> None:
    assert acc.crashes == []


def test_not_bounces_are_not_read_as_bounces(acc: Accuracy) -> None:
    assert acc.not_bounce_files >= 3
    assert acc.not_bounce_hits == 0


def test_hard_bounce_precision_and_recall(acc: Accuracy) -> None:
    assert acc.precision >= 0.99, (acc.tp, acc.fp)
    assert acc.recall >= 0.95, (acc.tp, acc.fn)


def test_reason_agreement(acc: Accuracy) -> None:
    assert acc.recipients >= 300
    assert acc.reason_rate >= 0.90, acc.reason_ok


def test_status_agreement(acc: Accuracy) -> None:
    assert acc.status_total >= 250
    assert acc.status_rate >= 0.95, acc.status_ok


@pytest.mark.parametrize(
    ("code", "explicit"),
    [
        pytest.param("5.0.911", "", id="sisimai-internal"),
        pytest.param("5.9.210", "", id="subject-9-is-not-rfc3463"),
        pytest.param("5.7.509", "5.7.509", id="microsoft-real-code"),
        pytest.param("5.1.1", "5.1.1", id="plain"),
        pytest.param("5.0.0", "5.0.0", id="generic-is-still-explicit"),
    ],
)
def test_explicit_status(code: str, explicit: str) -> None:
    assert explicit_status(code) == explicit
