# Copyright (c) uet_mmdet authors. All rights reserved.
"""Paired differences and their bootstrap interval."""
import itertools

import pytest

from uet_mmdet.benchmark import (bootstrap_interval, metric_table,
                                 paired_differences, paired_row, paired_table)


def _exact_bootstrap_quantiles(values, tail):
    """Quantiles of the bootstrap mean from all n**n equally likely
    resamples."""
    means = sorted(
        sum(pick) / len(values)
        for pick in itertools.product(values, repeat=len(values)))
    return means[int(tail * len(means))], means[int((1 - tail) * len(means)) -
                                                1]


def test_bootstrap_interval_matches_the_exact_bootstrap():
    values = [0.3, -0.1, 0.8, 0.2, 0.5]
    exact_low, exact_high = _exact_bootstrap_quantiles(values, 0.025)
    low, high = bootstrap_interval(values, resamples=20000)
    assert low == pytest.approx(exact_low, abs=0.03)
    assert high == pytest.approx(exact_high, abs=0.03)
    assert bootstrap_interval([0.4] * 5) == (0.4, 0.4)
    with pytest.raises(ValueError, match='at least 2 values'):
        bootstrap_interval([1.0])


def _result(seed, ap):
    return dict(seed=seed, metrics={'coco/bbox_mAP': ap})


def test_paired_rows_pair_by_seed_and_call_a_tie():
    results = {
        'FGD': [_result(s, ap) for s, ap in enumerate([.30, .31, .29, .32])],
        'FGD+UET': [
            _result(s, ap)
            for s, ap in zip([3, 0, 1, 2], [.335, .305, .318, .296])
        ],
        'worse':
        [_result(s, ap - .01) for s, ap in enumerate([.30, .31, .29, .32])],
    }
    differences = paired_differences(results, 'FGD+UET', 'FGD')
    expected = {0: 0.5, 1: 0.8, 2: 0.6, 3: 1.5}
    assert differences.keys() == expected.keys()
    for seed, value in expected.items():
        assert differences[seed] == pytest.approx(value)
    gain = paired_row(results, 'FGD+UET', 'FGD')
    assert gain['verdict'] == 'gain' and gain['low'] > 0
    assert gain['mean'] == pytest.approx(0.85)
    loss = paired_row(results, 'worse', 'FGD')
    assert loss['verdict'] == 'loss'
    assert loss['low'] == pytest.approx(-1) == loss['high']
    noisy = dict(
        results,
        noisy=[_result(s, ap) for s, ap in enumerate([.31, .30, .30, .31])])
    assert paired_row(noisy, 'noisy', 'FGD')['verdict'] == 'tie'
    assert paired_row(results, 'FGD+UET', 'missing') is None
    table = paired_table([gain])
    assert '| FGD+UET | FGD | 4 | +0.85 |' in table
    assert '| gain | +0.5, +0.8, +0.6, +1.5 |' in table


def test_metric_table_reports_a_class_ap_paired_with_the_host():

    def result(seed, star):
        return dict(seed=seed, metrics={'coco/star_precision': star})

    results = {
        'student': [result(s, .10) for s in range(3)],
        'FGD': [result(s, v) for s, v in enumerate([.20, .22, .21])],
        'FGD+UET': [result(s, v) for s, v in enumerate([.25, .26, .27])],
    }
    table = metric_table(results, [('FGD', 'student'), ('FGD+UET', 'FGD')],
                         'star_precision')
    lines = table.splitlines()
    assert lines[2] == '| student | 3 | 10.0 | - | - | - | - |'
    assert lines[3].startswith('| FGD | 3 | 21.0 | student | +11.00 |')
    assert lines[4].startswith('| FGD+UET | 3 | 26.0 | FGD | +5.00 |')
    assert lines[4].endswith('| gain |')
