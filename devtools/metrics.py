"""Pairwise precision/recall/F1 of a clustering against ground truth."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping


def _pairs(counts: Counter) -> int:
    return sum(c * (c - 1) // 2 for c in counts.values())


def pairwise_scores(predicted: Mapping[Hashable, Hashable], truth: Mapping[Hashable, Hashable]) -> dict[str, float]:
    """Precision, recall and F1 over record pairs put together (O(n), no pair lists)."""
    keys = truth.keys()
    tp = _pairs(Counter((predicted[k], truth[k]) for k in keys))
    pred = _pairs(Counter(predicted[k] for k in keys))
    true = _pairs(Counter(truth[k] for k in keys))
    precision = tp / pred if pred else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": true, "predicted_pairs": pred, "found_pairs": tp}
