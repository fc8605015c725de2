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
from mailhygiene.evidence.wiring import bounce_keys, evidence_hook, evidence_options

__all__ = [
    "EvidenceOptions",
    "EvidenceResult",
    "StratumCounts",
    "bounce_keys",
    "evaluate",
    "evidence_hook",
    "evidence_options",
    "verbal",
    "weigh",
    "weigh_arrays",
]
