# Copyright (c) uet_mmdet authors. All rights reserved.
"""The speed benchmark's variants, timing, table and CPU memory peak."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from uet_mmdet.analysis import (SpeedVariant, build_speed_variants,
                                cpu_peak_bytes, format_speed_table,
                                result_rows, time_variants, variant_config)
from uet_mmdet.analysis.cpu_memory import peak_above_start
from uet_mmdet.errors import ConfigError, UserInputError
from uet_mmdet.registry import ESTIMATORS
from ..helpers import CONFIGS

UET_DEMO = osp.join(CONFIGS, 'uet',
                    'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py')
HOST_DEMO = osp.join(CONFIGS, 'fgd',
                     'fgd_fpn_retinanet_r50_retinanet_r18_demo.py')


def test_variant_config_sets_level_k_measure_and_zero_lr():
    cfg = Config.fromfile(UET_DEMO)
    uet = cfg.model.distiller.uet
    before = (uet.get('level'), uet.get('measure'), uet.get('num_samples'))
    for level in ('feature', 'head'):
        measures = ESTIMATORS.get(level).measures
        variant = variant_config(cfg, level, 7)
        got = variant.model.distiller.uet
        # the config's measure where the level offers it, else its first
        measure = uet.get('measure') if uet.get(
            'measure') in measures else measures[0]
        assert (got.level, got.measure, got.num_samples) == (level, measure, 7)
        assert variant.optim_wrapper.optimizer.lr == 0.0
    # the given config is not changed
    assert (uet.get('level'), uet.get('measure'),
            uet.get('num_samples')) == before
    assert cfg.optim_wrapper.optimizer.lr > 0
    with pytest.raises(ConfigError) as error:
        variant_config(Config.fromfile(HOST_DEMO), 'layer', 5)
    assert error.value.key == 'model.distiller.uet'
    with pytest.raises(UserInputError, match='unknown UET level'):
        variant_config(cfg, 'nope', 5)


def _variant(name, times, level=None, num_samples=None, peak=None):
    return SpeedVariant(name, None, None, level, num_samples, times, peak)


def test_rows_ratios_targets_and_table():
    variants = [
        _variant('host', [3.0, 1.0, 2.0], peak=2**20),
        _variant('uet-feature-K5', [2.2, 2.1, 2.0], 'feature', 5),
        _variant('uet-layer-K5', [2.1], 'layer', 5, 3 * 2**20),
        _variant('uet-layer-K7', [1.0, 3.0], 'layer', 7),
    ]
    rows = result_rows(variants)
    assert [row['median_s'] for row in rows] == [2.0, 2.1, 2.1, 2.0]
    assert [row['ratio']
            for row in rows] == pytest.approx([1.0, 1.05, 1.05, 1.0])
    assert [row['target'] for row in rows] == [None, 1.03, 1.10, None]
    assert [row['passed'] for row in rows] == [None, False, True, None]
    assert [row['peak_mib'] for row in rows] == [1.0, None, 3.0, None]
    lines = format_speed_table(rows, 'cpu').splitlines()
    assert lines[0].endswith('| peak mem MiB (iteration, above start) |')
    assert lines[2] == '| host | - | - | 2.0000 | 1.000 | - | - | 1 |'
    assert lines[3] == ('| uet-feature-K5 | feature | 5 | 2.1000 | 1.050 | '
                        '<= 1.03 | MISS | n/a |')
    assert lines[4].endswith('| 1.050 | <= 1.10 | PASS | 3 |')
    assert format_speed_table(
        rows, 'cuda').splitlines()[0].endswith('| peak mem MiB (allocated) |')


def test_peak_above_start():
    deltas = [(0, 100), (1, 50), (2, -120), (3, 400), (4, -400), (5, 30),
              (9, 1000)]
    # live: 100 150 30 430 30 60 | 1060 outside
    assert peak_above_start(deltas, 2, 5) == 430 - 150
    assert peak_above_start(deltas, 4, 5) == 0
    assert peak_above_start(deltas, 6, 8) is None


def test_cpu_peak_bytes_of_known_allocations():
    kept = []

    def step():
        ones = torch.ones(250_000)  # 1e6 bytes
        twos = ones + 1  # 1e6 more: the peak
        del ones, twos
        kept.append(torch.zeros(100_000))

    peak = cpu_peak_bytes(step)
    assert 2_000_000 <= peak < 2_000_000 + 1024


def test_variants_share_weights_and_switch_uet(tmp_path):
    cfg = Config.fromfile(UET_DEMO)
    variants = build_speed_variants(
        cfg, ['feature', 'layer'], [2, 3], batch_size=1, img_size=64)
    assert [v.name for v in variants] == [
        'host', 'uet-feature-K2', 'uet-feature-K3', 'uet-layer-K2',
        'uet-layer-K3'
    ]
    host, first = variants[:2]
    assert host.model is first.model and host.level is None
    models = [v.model for v in variants[1:]]
    assert len({id(model) for model in models}) == 4
    for variant in variants[1:]:
        settings = variant.model.distiller.uet
        assert (settings.level, settings.num_samples) == (variant.level,
                                                          variant.num_samples)
    reference = first.model.state_dict()
    for model in models[1:]:
        for key, value in model.state_dict().items():
            assert torch.equal(value, reference[key]), key
    host.activate()
    assert host.model.distiller.uet_active is False
    first.activate()
    assert first.model.distiller.uet_active is True
    chosen = [variants[0], variants[3]]
    time_variants(chosen, iters=2, warmup=0, rounds=1)
    for variant in chosen:
        assert len(variant.times) == 2 and min(variant.times) > 0
        assert variant.peak_bytes > 0
    # learning rate 0: the timed steps leave the weights as they were
    for key, value in variants[3].model.named_parameters():
        assert torch.equal(value, reference[key]), key
    with pytest.raises(UserInputError, match='iters must be >= 1, got 0'):
        time_variants(chosen, iters=0, warmup=0, rounds=1)


def test_build_speed_variants_refuses_what_cannot_run():
    cfg = Config.fromfile(UET_DEMO)
    cfg.model.distiller.uet.update(rate=None, p0=0.15, delta=0.05)
    with pytest.raises(UserInputError, match='rates must lie in'):
        # rates p0 + k * delta reach 1
        build_speed_variants(cfg, ['feature'], [40], img_size=64)
    off = variant_config(cfg, 'feature', 2)
    off.model.distiller.uet.mode = 'off'
    with pytest.raises(ConfigError, match='is "off"'):
        build_speed_variants(off, ['feature'], [2], img_size=64)
    if not torch.cuda.is_available():
        with pytest.raises(UserInputError, match='no CUDA device'):
            build_speed_variants(cfg, ['feature'], [2], 'cuda')
