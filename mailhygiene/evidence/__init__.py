"""Provenance evidence: a likelihood ratio for "B derives from A's base" against "B was
collected independently", with the signals it rests on (issue 8)."""

from mailhygiene.evidence.evaluate import (
    EvidenceOptions,
    EvidenceResult,
    evaluate,
    verbal,
    weigh,
    weigh_arrays,
)
from mailhygiene.evidence.model import StratumCounts

__all__ = [
    "EvidenceOptions",
    "EvidenceResult",
    "StratumCounts",
    "evaluate",
    "verbal",
    "weigh",
    "weigh_arrays",
]
