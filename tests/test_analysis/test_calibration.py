# Copyright (c) uet_mmdet authors. All rights reserved.
"""Calibration metrics and the teacher's per-location error.

Every reference is computed here by brute-force loops or closed forms, never
by the code under test.
"""
import math

import pytest
import torch
from torch import nn

from uet_mmdet.analysis import (anchor_head_errors, auroc, average_ranks,
                                calibration_scores, spearman, top_fraction)
from uet_mmdet.errors import UserInputError

# ---------------------------------------------------------------- references


def _loop_auroc(scores, positives):
    pos = [float(s) for s, p in zip(scores, positives) if p]
    neg = [float(s) for s, p in zip(scores, positives) if not p]
    total = 0.0
    for sp in pos:
        for sn in neg:
            total += 1.0 if sp > sn else 0.5 if sp == sn else 0.0
    return total / (len(pos) * len(neg))


def _loop_ranks(values):
    values = [float(v) for v in values]
    ranks = []
    for v in values:
        below = sum(1 for u in values if u < v)
        equal = sum(1 for u in values if u == v)
        ranks.append(below + (equal + 1) / 2)
    return ranks


def _loop_pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx)**2 for a in x)
    syy = sum((b - my)**2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def _loop_spearman(a, b):
    return _loop_pearson(_loop_ranks(a), _loop_ranks(b))


# ---------------------------------------------------------- ranks and AUROC


def test_average_ranks_known_and_against_loop():
    ranks = average_ranks(torch.tensor([3., 1., 3., 2., 3.]))
    assert ranks.dtype == torch.float64
    assert ranks.tolist() == [4.0, 1.0, 4.0, 2.0, 4.0]
    gen = torch.Generator().manual_seed(0)
    values = torch.randint(0, 6, (50, ), generator=gen).float()
    assert average_ranks(values).tolist() == _loop_ranks(values)
    with pytest.raises(ValueError, match='NaN'):
        average_ranks(torch.tensor([1.0, float('nan')]))


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_auroc_matches_brute_force_pairs_with_ties(seed):
    gen = torch.Generator().manual_seed(seed)
    scores = torch.randint(0, 7, (120, ), generator=gen).float()  # many ties
    positives = torch.rand(120, generator=gen) < 0.3
    expected = _loop_auroc(scores, positives)
    assert auroc(scores, positives) == pytest.approx(expected, abs=1e-12)
    # any shape: same pairs
    assert auroc(scores.view(10, 12), positives.view(10, 12)) == \
        pytest.approx(expected, abs=1e-12)


def test_auroc_known_cases_and_errors():
    scores = torch.arange(10.)
    positives = scores >= 6
    assert auroc(scores, positives) == 1.0
    assert auroc(-scores, positives) == 0.0
    assert auroc(torch.zeros(10), positives) == 0.5
    # one tie across the classes: 1 pair of 4 * 2 counts 1/2
    assert auroc(
        torch.tensor([0., 1., 1., 2.]),
        torch.tensor([False, False, True, True])) == 0.875
    with pytest.raises(UserInputError, match='no|0 positives'):
        auroc(scores, torch.zeros(10, dtype=torch.bool))
    with pytest.raises(UserInputError, match='0 negatives'):
        auroc(scores, torch.ones(10, dtype=torch.bool))


def test_auroc_informative_and_random_uncertainty():
    gen = torch.Generator().manual_seed(3)
    n = 4000
    error = torch.rand(n, generator=gen)
    top = error >= error.quantile(0.9)
    num_pos = int(top.sum())
    num_neg = n - num_pos
    informative = error + 0.01 * torch.randn(n, generator=gen)
    assert auroc(informative, top) > 0.97
    # null distribution of the AUROC: mean 1/2, sd sqrt((n1+n2+1)/(12 n1 n2))
    sd = math.sqrt((num_pos + num_neg + 1) / (12 * num_pos * num_neg))
    random_map = torch.rand(n, generator=gen)
    assert abs(auroc(random_map, top) - 0.5) < 4 * sd


# --------------------------------------------------------------- spearman


def test_spearman_with_ties_against_loop():
    gen = torch.Generator().manual_seed(4)
    a = torch.randint(0, 5, (80, ), generator=gen).float()
    b = a + torch.randint(-3, 4, (80, ), generator=gen).float()
    expected = _loop_spearman(a, b)
    assert spearman(a, b) == pytest.approx(expected, abs=1e-10)
    assert 0.1 < expected < 0.99  # a real, imperfect correlation
    # rank based: any increasing transform gives the same value
    assert spearman(a.exp(), b) == pytest.approx(expected, abs=1e-10)
    assert spearman(a, -b) == pytest.approx(-expected, abs=1e-10)
    assert math.isnan(spearman(torch.ones(5), torch.arange(5.)))


def test_spearman_against_scipy_if_available():
    stats = pytest.importorskip('scipy.stats')
    gen = torch.Generator().manual_seed(5)
    a = torch.randint(0, 8, (60, ), generator=gen).float()
    b = torch.randint(0, 8, (60, ), generator=gen).float() + a
    expected = stats.spearmanr(a.numpy(), b.numpy()).correlation
    assert spearman(a, b) == pytest.approx(float(expected), abs=1e-10)


# ------------------------------------------------------------ top_fraction


def test_top_fraction_count_and_membership():
    gen = torch.Generator().manual_seed(6)
    error = torch.randn(7, 13, generator=gen)
    mask = top_fraction(error, 0.2)
    assert mask.shape == error.shape and mask.dtype == torch.bool
    k = round(0.2 * 91)
    assert int(mask.sum()) == k == 18
    # membership: exactly the k largest values (no ties in randn)
    threshold = sorted(error.flatten().tolist(), reverse=True)[k - 1]
    for value, chosen in zip(error.flatten().tolist(),
                             mask.flatten().tolist()):
        assert chosen == (value >= threshold)
    # at least one element
    assert int(top_fraction(torch.arange(5.), 0.01).sum()) == 1
    assert top_fraction(torch.arange(5.), 0.01).tolist() == \
        [False, False, False, False, True]
    # ties at the threshold go to the lower index
    tied = torch.tensor([1., 3., 2., 3., 3., 0.])
    assert top_fraction(tied, 2 / 6).tolist() == \
        [False, True, False, True, False, False]
    with pytest.raises(ValueError):
        top_fraction(tied, 0.0)


def test_calibration_scores_ignores_nan_errors():
    gen = torch.Generator().manual_seed(7)
    error = torch.rand(3, 10, 10, generator=gen)
    uncertainty = error + 0.3 * torch.rand(3, 10, 10, generator=gen)
    error[0, :5] = float('nan')  # 50 elements without a defined error
    uncertainty[0, :5] = 100.0  # would wreck both metrics if counted
    scores = calibration_scores(uncertainty, error, top_fraction=0.1)
    kept_u = [
        u for u, e in zip(uncertainty.flatten().tolist(),
                          error.flatten().tolist()) if e == e
    ]
    kept_e = [e for e in error.flatten().tolist() if e == e]
    assert scores['count'] == len(kept_e) == 250
    k = round(0.1 * 250)
    threshold = sorted(kept_e, reverse=True)[k - 1]
    positives = [e >= threshold for e in kept_e]
    assert sum(positives) == k
    assert scores['auroc'] == pytest.approx(
        _loop_auroc(kept_u, positives), abs=1e-12)
    assert scores['spearman'] == pytest.approx(
        _loop_spearman(kept_u, kept_e), abs=1e-10)
    assert scores['auroc'] > 0.8
    # per-level lists are flattened and concatenated in order
    listed = calibration_scores(list(uncertainty), list(error), 0.1)
    assert listed == scores
    # every kept element in the top: nothing for the AUROC to rank below
    with pytest.raises(UserInputError, match='top_fraction=0.999 of 250'):
        calibration_scores(uncertainty, error, top_fraction=0.999)


def test_map_sources_parse_and_bad_ones_are_user_errors():
    from uet_mmdet.analysis.uncertainty_calibration import MapSource
    assert MapSource.parse('head/entropy@20') == MapSource(
        'head', 'entropy', 20)
    assert MapSource.parse('head/entropy@20').name == 'head / entropy x20'
    assert MapSource.parse('energy') == MapSource(None, 'energy', 1)
    with pytest.raises(UserInputError, match="'energi' is neither"):
        MapSource.parse('energi')
    with pytest.raises(
            UserInputError, match="must be an integer >= 1, "
            "got 'x'"):
        MapSource.parse('head/entropy@x')
    with pytest.raises(UserInputError, match='got .0.'):
        MapSource.parse('head/entropy@0')


def test_class_separation_against_pair_count():
    from uet_mmdet.analysis.uncertainty_calibration import (Collector,
                                                            class_separation)
    gen = torch.Generator().manual_seed(5)
    collector = Collector()
    labels = [torch.randint(-1, 3, (40, ), generator=gen) for _ in range(2)]
    maps = [
        torch.randint(0, 6, (40, ), generator=gen).float() for _ in range(2)
    ]
    # level 1 has no location of class 2
    collector.labels = {0: labels[:1], 1: [labels[1].clamp(max=1)]}
    collector.maps = {'map': {0: maps[:1], 1: maps[1:]}}
    table = class_separation(collector, 2)
    pos = maps[0][labels[0] == 2].tolist()
    neg = maps[0][(labels[0] >= 0) & (labels[0] != 2)].tolist()
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    assert table['map'][0] == pytest.approx(wins / (len(pos) * len(neg)))
    assert math.isnan(table['map'][1])  # level 1 has no class-2 location


# ------------------------------------------------------- anchor head errors

NUM_CLASSES = 3


@pytest.fixture(scope='module')
def retina():
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    torch.manual_seed(0)
    head = MODELS.build(
        dict(
            type='RetinaHead',
            num_classes=NUM_CLASSES,
            in_channels=8,
            stacked_convs=1,
            feat_channels=8,
            anchor_generator=dict(
                type='AnchorGenerator',
                octave_base_scale=2,
                scales_per_octave=2,
                ratios=[0.5, 1.0, 2.0],
                strides=[8, 16]),
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[.0, .0, .0, .0],
                target_stds=[1.0, 1.0, 1.0, 1.0]),
            loss_cls=dict(
                type='FocalLoss',
                use_sigmoid=True,
                gamma=2.0,
                alpha=0.25,
                loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0),
            train_cfg=dict(
                assigner=dict(
                    type='MaxIoUAssigner',
                    pos_iou_thr=0.5,
                    neg_iou_thr=0.4,
                    min_pos_iou=0,
                    ignore_iof_thr=-1),
                sampler=dict(type='PseudoSampler'),
                allowed_border=-1,
                pos_weight=-1,
                debug=False)))
    from mmengine.structures import InstanceData
    gts = []
    for boxes, labels in (([[2., 3., 18., 20.],
                            [13., 9., 30.,
                             31.]], [0, 2]), ([[4., 5., 27., 25.]], [1])):
        gt = InstanceData()
        gt.bboxes = torch.tensor(boxes)
        gt.labels = torch.tensor(labels)
        gts.append(gt)
    metas = [
        dict(
            img_shape=(32, 32),
            pad_shape=(32, 32),
            batch_input_shape=(32, 32),
            scale_factor=(1., 1.)) for _ in gts
    ]
    sizes = [(4, 4), (2, 2)]
    # reference assignment from mmdet itself (not the code under test): the
    # assigner on every anchor (allowed_border=-1: all anchors are used)
    anchors = head.prior_generator.grid_priors(sizes, device='cpu')
    assigned = []  # per image, per level: (gt index or -1 bg / -2 ignored)
    for gt in gts:
        flat = torch.cat(anchors)
        result = head.assigner.assign(InstanceData(priors=flat), gt)
        inds = result.gt_inds.clone() - 1  # -1 background, -2 ignored
        assigned.append(inds.split([a.shape[0] for a in anchors]))
    return dict(
        head=head,
        gts=gts,
        metas=metas,
        sizes=sizes,
        anchors=anchors,
        assigned=assigned)


def _locations(setup):
    """(level, n, h, w, [(a, anchor index in level)])."""
    num_anchors = setup['head'].num_base_priors
    for level, (height, width) in enumerate(setup['sizes']):
        for n in range(len(setup['gts'])):
            for h in range(height):
                for w in range(width):
                    yield level, n, h, w, [(a,
                                            (h * width + w) * num_anchors + a)
                                           for a in range(num_anchors)]


def _features(setup, seed):
    gen = torch.Generator().manual_seed(seed)
    num_anchors = setup['head'].num_base_priors
    cls_scores = [
        torch.randn(2, num_anchors * NUM_CLASSES, h, w, generator=gen)
        for h, w in setup['sizes']
    ]
    bbox_preds = [
        0.3 * torch.randn(2, num_anchors * 4, h, w, generator=gen)
        for h, w in setup['sizes']
    ]
    return cls_scores, bbox_preds


def _run(setup, cls_scores, bbox_preds):
    return anchor_head_errors(setup['head'], cls_scores, bbox_preds,
                              setup['gts'], setup['metas'])


def _bce(logit, target):
    # -[t log s(x) + (1 - t) log(1 - s(x))] = log(1 + exp(-x)) or (+x)
    x = -logit if target else logit
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _decode(anchor, delta):
    """Closed form of DeltaXYWH decoding with means 0 and stds 1."""
    x1, y1, x2, y2 = anchor
    dx, dy, dw, dh = delta
    aw, ah = x2 - x1, y2 - y1
    cx, cy = x1 + aw / 2 + dx * aw, y1 + ah / 2 + dy * ah
    w, h = aw * math.exp(dw), ah * math.exp(dh)
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) -
             inter)
    return inter / union


def test_reference_assignment_has_positives_negatives_and_ignored(retina):
    inds = torch.cat([torch.cat(levels) for levels in retina['assigned']])
    assert (inds >= 0).sum() >= 4
    assert (inds == -1).sum() > 0
    assert (inds == -2).sum() > 0  # ignored anchors exercise the NaN rule
    # the reference agrees with the targets the head trains on
    head = retina['head']
    anchor_list, flags = head.get_anchors(
        retina['sizes'], retina['metas'], device='cpu')
    labels, weights = head.get_targets(anchor_list, flags, retina['gts'],
                                       retina['metas'])[:2]
    for level in range(2):
        for n in range(2):
            ref = retina['assigned'][n][level]
            gt_labels = retina['gts'][n].labels
            expected = torch.where(ref >= 0, gt_labels[ref.clamp(min=0)],
                                   torch.full_like(ref, NUM_CLASSES))
            assert torch.equal(labels[level][n], expected)
            assert torch.equal(weights[level][n] > 0, ref != -2)


def test_cls_error_zero_for_confident_correct_logits_and_closed_form(retina):
    num_anchors = retina['head'].num_base_priors
    cls_scores, bbox_preds = _features(retina, seed=1)
    for level, n, h, w, anchors in _locations(retina):
        for a, index in anchors:
            label = int(retina['assigned'][n][level][index])
            for c in range(NUM_CLASSES):
                cls_scores[level][n, a * NUM_CLASSES + c, h, w] = \
                    20.0 if label >= 0 and c == int(
                        retina['gts'][n].labels[label]) else -20.0
    errors = _run(retina, cls_scores, bbox_preds)
    assert len(errors) == 2
    num_nan = 0
    for level, n, h, w, anchors in _locations(retina):
        value = float(errors[level]['cls'][n, h, w])
        counted = [
            a for a, i in anchors if int(retina['assigned'][n][level][i]) != -2
        ]
        if counted:
            assert 0 <= value < 1e-6
        else:
            num_nan += 1
            assert math.isnan(value)
    assert errors[0]['cls'].shape == (2, 4, 4)
    assert errors[1]['cls'].shape == (2, 2, 2)

    # one location with wrong logits: closed-form BCE over its counted anchors
    wrong = None
    for level, n, h, w, anchors in _locations(retina):
        flags = [int(retina['assigned'][n][level][i]) for _, i in anchors]
        if -2 in flags and any(f >= 0 for f in flags):
            wrong = (level, n, h, w, anchors)
            break
    assert wrong is not None, 'need a location with ignored and pos anchors'
    level, n, h, w, anchors = wrong
    gen = torch.Generator().manual_seed(2)
    cls_scores[level][n, :, h, w] = 3 * torch.randn(
        num_anchors * NUM_CLASSES, generator=gen)
    errors = _run(retina, cls_scores, bbox_preds)
    total, count = _loop_cls_error(retina, cls_scores, level, n, h, w, anchors)
    assert float(errors[level]['cls'][n, h, w]) == pytest.approx(
        total / count, rel=1e-5)
    assert total / count > 1.0  # clearly not the ~0 of the other locations
    others = errors[level]['cls'].clone()
    others[n, h, w] = 0.0
    assert torch.nan_to_num(others).max() < 1e-6


def _loop_cls_error(retina, cls_scores, level, n, h, w, anchors):
    """Summed BCE over the location's non-ignored anchors, and their count,
    by scalar loops."""
    total, count = 0.0, 0
    for a, index in anchors:
        label = int(retina['assigned'][n][level][index])
        if label == -2:
            continue
        target = int(retina['gts'][n].labels[label]) if label >= 0 else -1
        for c in range(NUM_CLASSES):
            logit = float(cls_scores[level][n, a * NUM_CLASSES + c, h, w])
            total += _bce(logit, c == target)
        count += 1
    return total, count


def test_cls_error_random_logits_every_location_against_loop(retina):
    cls_scores, bbox_preds = _features(retina, seed=3)
    errors = _run(retina, cls_scores, bbox_preds)
    for level, n, h, w, anchors in _locations(retina):
        total, count = _loop_cls_error(retina, cls_scores, level, n, h, w,
                                       anchors)
        value = float(errors[level]['cls'][n, h, w])
        if count:
            assert value == pytest.approx(total / count, rel=1e-5)
        else:
            assert math.isnan(value)


def test_location_label_against_the_reference_assignment(retina):
    errors = _run(retina, *_features(retina, 3))
    seen = set()
    for level, n, h, w, anchors in _locations(retina):
        ref = retina['assigned'][n][level]
        gt_labels = retina['gts'][n].labels.tolist()
        labels = [gt_labels[int(ref[i])] for _, i in anchors if ref[i] >= 0]
        expected = max(labels) if labels else -1
        assert int(errors[level]['label'][n, h, w]) == expected
        seen.add(expected)
    assert seen == {-1, 0, 1, 2}


def test_box_error_zero_for_encoded_targets_nan_without_positives(retina):
    head = retina['head']
    cls_scores, bbox_preds = _features(retina, seed=4)
    num_positive_locations = 0
    for level, n, h, w, anchors in _locations(retina):
        for a, index in anchors:
            label = int(retina['assigned'][n][level][index])
            if label >= 0:
                anchor = retina['anchors'][level][index]
                gt = retina['gts'][n].bboxes[label]
                bbox_preds[level][n, a * 4:a * 4 + 4, h, w] = \
                    head.bbox_coder.encode(anchor[None], gt[None])[0]
    errors = _run(retina, cls_scores, bbox_preds)
    for level, n, h, w, anchors in _locations(retina):
        value = float(errors[level]['box'][n, h, w])
        if any(int(retina['assigned'][n][level][i]) >= 0 for _, i in anchors):
            num_positive_locations += 1
            assert abs(value) < 1e-5
        else:
            assert math.isnan(value)
    assert num_positive_locations >= 3
    assert errors[0]['box'].shape == (2, 4, 4)


@pytest.mark.parametrize('box_type', [False, True])
def test_box_error_random_deltas_against_scalar_iou_loop(retina, box_type):
    from mmdet.structures.bbox import HorizontalBoxes
    from mmengine.structures import InstanceData
    cls_scores, bbox_preds = _features(retina, seed=5)
    gts = retina['gts']
    if box_type:  # as LoadAnnotations(box_type='hbox') packs them
        gts = [
            InstanceData(bboxes=HorizontalBoxes(gt.bboxes), labels=gt.labels)
            for gt in gts
        ]
    errors = anchor_head_errors(retina['head'], cls_scores, bbox_preds, gts,
                                retina['metas'])
    checked = 0
    for level, n, h, w, anchors in _locations(retina):
        values = []
        for a, index in anchors:
            label = int(retina['assigned'][n][level][index])
            if label < 0:
                continue
            anchor = retina['anchors'][level][index].tolist()
            delta = bbox_preds[level][n, a * 4:a * 4 + 4, h, w].tolist()
            gt = retina['gts'][n].bboxes[label].tolist()
            values.append(1 - _iou(_decode(anchor, delta), gt))
        value = float(errors[level]['box'][n, h, w])
        if values:
            checked += 1
            assert value == pytest.approx(sum(values) / len(values), abs=1e-5)
            assert 0 < value <= 1
        else:
            assert math.isnan(value)
    assert checked >= 3


def test_anchor_head_errors_rejects_unsupported_heads(retina):
    from mmdet.registry import MODELS
    cls_scores, bbox_preds = _features(retina, seed=6)
    with pytest.raises(UserInputError, match='Conv2d.*AnchorHead'):
        anchor_head_errors(
            nn.Conv2d(1, 1, 1), cls_scores, bbox_preds, retina['gts'],
            retina['metas'])
    softmax_head = MODELS.build(
        dict(
            type='AnchorHead',
            num_classes=NUM_CLASSES,
            in_channels=8,
            loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False),
            train_cfg=None))
    with pytest.raises(UserInputError, match='AnchorHead with softmax'):
        anchor_head_errors(softmax_head, cls_scores, bbox_preds, retina['gts'],
                           retina['metas'])
    with pytest.raises(UserInputError, match='levels'):
        anchor_head_errors(retina['head'], cls_scores[:1], bbox_preds[:1],
                           retina['gts'], retina['metas'])
