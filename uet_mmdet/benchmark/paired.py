# Copyright (c) uet_mmdet authors. All rights reserved.
"""Paired differences: a method against the row it changes, seed by seed."""
import random
from typing import Dict, List, Optional, Sequence, Tuple


def bootstrap_interval(values: Sequence[float],
                       confidence: float = 0.95,
                       resamples: int = 10000,
                       seed: int = 0) -> Tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values``.

    Args:
        values (Sequence[float]): One paired difference per seed.
        confidence (float): Coverage of the interval, in (0, 1).
        resamples (int): Bootstrap resamples.
        seed (int): Seed of the resampling, so a table is repeatable.
    """
    if len(values) < 2:
        raise ValueError('a bootstrap interval needs at least 2 values, got '
                         f'{len(values)}')
    rng = random.Random(seed)
    num = len(values)
    means = sorted(
        sum(rng.choices(values, k=num)) / num for _ in range(resamples))
    tail = (1 - confidence) / 2
    low = means[int(tail * resamples)]
    high = means[min(resamples - 1, int((1 - tail) * resamples))]
    return low, high


def paired_differences(results: Dict[str, List[dict]],
                       method: str,
                       baseline: str,
                       metric: str = 'bbox_mAP') -> Dict[int, float]:
    """``method - baseline`` (x 100) for every seed both have."""
    by_seed = {
        r['seed']: 100 * r['metrics'][f'coco/{metric}']
        for r in results.get(baseline, [])
    }
    return {
        r['seed']: 100 * r['metrics'][f'coco/{metric}'] - by_seed[r['seed']]
        for r in results.get(method, []) if r['seed'] in by_seed
    }


def paired_row(results: Dict[str, List[dict]],
               method: str,
               baseline: str,
               metric: str = 'bbox_mAP') -> Optional[dict]:
    """Mean paired difference, its 95 % bootstrap interval and a verdict
    (``gain``, ``loss`` or ``tie`` when the interval holds 0)."""
    differences = paired_differences(results, method, baseline, metric)
    if len(differences) < 2:
        return None
    values = [differences[seed] for seed in sorted(differences)]
    low, high = bootstrap_interval(values)
    verdict = 'gain' if low > 0 else 'loss' if high < 0 else 'tie'
    return dict(
        method=method,
        baseline=baseline,
        seeds=len(values),
        mean=sum(values) / len(values),
        low=low,
        high=high,
        verdict=verdict,
        differences=values)


def paired_table(rows: List[dict]) -> str:
    """Paired rows as a markdown table."""
    lines = [
        '| method | against | seeds | Δ AP (paired) | 95 % interval | '
        'verdict | per seed |', '|---|---|---|---|---|---|---|'
    ]
    for row in rows:
        per_seed = ', '.join(f'{value:+.1f}' for value in row['differences'])
        lines.append(
            f'| {row["method"]} | {row["baseline"]} | {row["seeds"]} | '
            f'{row["mean"]:+.2f} | [{row["low"]:+.2f}, {row["high"]:+.2f}] '
            f'| {row["verdict"]} | {per_seed} |')
    return '\n'.join(lines) + '\n'


def metric_table(results: Dict[str, List[dict]],
                 pairs: Sequence[Tuple[str, str]], metric: str) -> str:
    """One metric of the evaluator (e.g. a class's AP, ``star_precision``)
    per row: its mean over seeds, and for each ``(method, against)`` pair
    the paired difference with its interval."""
    lines = [
        f'| row | seeds | {metric} x 100 | against | Δ (paired) | '
        '95 % interval | verdict |', '|---|---|---|---|---|---|---|'
    ]
    against = dict(pairs)
    for name in ['student'] + [method for method, _ in pairs]:
        values = [
            100 * r['metrics'][f'coco/{metric}']
            for r in results.get(name, [])
        ]
        if not values:
            continue
        row = paired_row(results, name, against[name],
                         metric) if name in against else None
        paired = ('- | - | - | -' if row is None else
                  f'{row["baseline"]} | {row["mean"]:+.2f} | '
                  f'[{row["low"]:+.2f}, {row["high"]:+.2f}] | '
                  f'{row["verdict"]}')
        lines.append(f'| {name} | {len(values)} | '
                     f'{sum(values) / len(values):.1f} | {paired} |')
    return '\n'.join(lines) + '\n'


__all__ = [
    'bootstrap_interval', 'metric_table', 'paired_differences', 'paired_row',
    'paired_table'
]
