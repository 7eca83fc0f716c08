# Copyright (c) uet_mmdet authors. All rights reserved.
"""The uncertainty maps of the visualiser, read through the distiller's
public ``uet_estimates``; references computed here by hand."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmdet.models.data_preprocessors import DetDataPreprocessor
from mmengine.config import Config
from mmrazor.registry import MODELS
from torch import nn

from uet_mmdet.analysis import (display_image, image_maps, load_uet_model,
                                map_on_image, mean_correlations, record_names,
                                spearman, uet_loss_records)
from uet_mmdet.errors import ConfigError, UserInputError
from uet_mmdet.models import build_detector_from_config
from ..helpers import CONFIGS

RATE, K = 0.2, 4


class TwoConvs(nn.Module):
    """Two plain convolutions on one ReLU map, recorded as fpn0 and fpn1."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.out0 = nn.Conv2d(4, 5, 3, padding=1)
        self.out1 = nn.Conv2d(4, 5, 1)

    def forward(self, x):
        z = self.stem(x).relu()
        return self.out0(z), self.out1(z)


def _distiller(uet=None):
    recorders = {
        f'fpn{i}': dict(type='ModuleOutputs', source=f'out{i}')
        for i in range(2)
    }
    cfg = dict(
        type='UETDistiller',
        _scope_='mmrazor',  # whatever default scope earlier tests left
        student_recorders=recorders,
        teacher_recorders=recorders,
        distill_losses={
            f'loss_fpn{i}': dict(type='L2Loss', normalize=False)
            for i in range(2)
        },
        loss_forward_mappings={
            f'loss_fpn{i}':
            dict(
                s_feature=dict(from_student=True, recorder=f'fpn{i}'),
                t_feature=dict(from_student=False, recorder=f'fpn{i}'))
            for i in range(2)
        })
    if uet is not None:
        cfg['uet'] = uet
    torch.manual_seed(0)
    teacher, student = TwoConvs(), TwoConvs()
    distiller = MODELS.build(cfg)
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    images = torch.randn(2, 3, 6, 7)
    with distiller.teacher_recorders, torch.no_grad():
        teacher(images)
    return distiller, teacher, images


def test_uet_estimates_equal_the_closed_form_layer_variance():
    distiller, teacher, images = _distiller(
        dict(
            mode='weight',
            level='layer',
            measure='variance',
            num_samples=K,
            rate=RATE))
    estimates = distiller.uet_estimates(seed=3)
    assert list(estimates) == ['loss_fpn0', 'loss_fpn1']
    hidden = teacher.stem(images).relu()
    for i, conv in enumerate((teacher.out0, teacher.out1)):
        # element-wise dropout at rate p on the conv's input: each output
        # has variance (W**2 * z**2) p / (1 - p); the mean over K samples of
        # the population variance is (K - 1) / K of it
        squares = F.conv2d(
            hidden.pow(2), conv.weight.pow(2), padding=conv.padding)
        expected = (squares * RATE / (1 - RATE) * (K - 1) / K).mean(1)
        got = estimates[f'loss_fpn{i}'].uncertainty
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-7)
    # the seed fixes the sampled MC mean; another seed changes it
    again = distiller.uet_estimates(seed=3)
    other = distiller.uet_estimates(seed=4)
    assert torch.equal(again['loss_fpn0'].mc_mean,
                       estimates['loss_fpn0'].mc_mean)
    assert not torch.equal(other['loss_fpn0'].mc_mean,
                           estimates['loss_fpn0'].mc_mean)


def test_uet_estimates_is_empty_without_uet():
    for uet in (None, dict(mode='off')):
        distiller = _distiller(uet)[0]
        assert distiller.uet_estimates() == {}
    assert uet_loss_records(distiller) == {}


def test_loss_records_and_their_names():
    distiller = _distiller(dict(level='feature', measure='variance'))[0]
    assert uet_loss_records(distiller) == {
        'loss_fpn0': ('fpn0', 0),
        'loss_fpn1': ('fpn1', 0)
    }
    names = record_names([('neck', 0), ('neck', 1), ('fpn', 0), ('neck', 0)])
    assert names == {
        ('neck', 0): 'neck[0]',
        ('neck', 1): 'neck[1]',
        ('fpn', 0): 'fpn'
    }


def test_display_image_undoes_what_the_preprocessor_does():
    mean, std = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
    preprocessor = DetDataPreprocessor(
        mean=mean, std=std, bgr_to_rgb=True, pad_size_divisor=8)
    bgr = torch.randint(0, 256, (3, 5, 6), dtype=torch.uint8)
    batch = preprocessor(dict(inputs=[bgr]), False)['inputs'][0]
    assert batch.shape == (3, 8, 8)
    unnormalised = batch * preprocessor.std + preprocessor.mean
    expected = (unnormalised[:, :5, :6] / 255).permute(1, 2, 0)
    image = display_image(bgr)
    assert image.shape == (5, 6, 3)
    torch.testing.assert_close(image, expected)
    assert torch.equal(image[..., 0] * 255, bgr[2].float())  # red first


def test_map_on_image_is_bilinear_over_the_padded_input():
    level_map = torch.tensor([[0., 1.], [0., 1.]])
    # output centres fall at -0.25, 0.25, 0.75, 1.25 input cells: clamped
    full = map_on_image(level_map, (4, 4), (3, 3))
    assert full.shape == (3, 3)
    torch.testing.assert_close(full, torch.tensor([[0., .25, .75]] * 3))


def test_mean_correlations():
    means = mean_correlations([{'a': 0.5, 'b': 1.0}, {'a': -0.1}, {}])
    assert list(means) == ['a', 'b']
    assert means['a'][0] == pytest.approx(0.2) and means['a'][1] == 2
    assert means['b'] == (1.0, 1)


@pytest.fixture(scope='module')
def demo_model(module_tmp_path):
    teacher = build_detector_from_config(
        osp.join(CONFIGS, 'demo', 'retinanet_r50_fpn_demo.py'))
    ckpt = str(module_tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'uet',
                 'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'))
    model = load_uet_model(cfg, ckpt)
    for (name, theirs), ours in zip(teacher.state_dict().items(),
                                    model.teacher.state_dict().values()):
        assert torch.equal(theirs, ours), name
    return model, cfg, ckpt


def _item(seed=0, size=96):
    from uet_mmdet.utils import random_detection_batch
    batch = random_detection_batch(5, 1, (size, size), seed)
    sample = batch['data_samples'][0]
    sample.set_metainfo(dict(img_path=f'/data/img{seed}.png'))
    return dict(inputs=batch['inputs'][0], data_samples=sample)


def test_image_maps_of_the_demo_model(demo_model):
    model = demo_model[0]
    item = _item()
    result = image_maps(model, item, 'uncertainty', seed=1)
    assert list(result.maps) == [f'fpn{i}' for i in range(5)]
    assert result.image.shape == (96, 96, 3)
    distiller = model.distiller
    estimates = distiller.uet_estimates(seed=1)  # records of that image
    for i in range(5):
        level_map = result.maps[f'fpn{i}']
        torch.testing.assert_close(
            level_map, estimates[f'loss_fgd_fpn{i}'].uncertainty[0].float())
        feature = distiller.get_record(f'fpn{i}', False)[0]
        assert level_map.shape == feature.shape[1:]
        if level_map.numel() >= 4:
            # ties are broken by position there, averaged here: compare on
            # the continuous maps only
            expected = float(spearman(level_map, feature.pow(2).mean(0)))
            assert result.energy_correlations[f'fpn{i}'] == pytest.approx(
                expected, abs=1e-6)
        else:
            assert f'fpn{i}' not in result.energy_correlations
    confidence = image_maps(model, item, 'confidence', seed=1).maps
    assert all(((0 < m) & (m <= 1)).all() for m in confidence.values())


def test_load_uet_model_errors(demo_model, tmp_path):
    _, cfg, ckpt = demo_model
    with pytest.raises(UserInputError, match='teacher checkpoint not found'):
        load_uet_model(cfg, str(tmp_path / 'missing.pth'))
    bad = str(tmp_path / 'bad.pth')
    torch.save({'state_dict': {'backbone.conv1.weight': torch.zeros(1)}}, bad)
    with pytest.raises(UserInputError, match='does not fit the teacher'):
        load_uet_model(cfg, bad)
    off = cfg.copy()
    off.model.distiller.uet.mode = 'off'
    with pytest.raises(ConfigError) as error:
        load_uet_model(off, ckpt)
    assert error.value.key == 'model.distiller.uet'
    host = Config(dict(model=dict(type='RetinaNet')))
    with pytest.raises(ConfigError, match='not a distillation config'):
        load_uet_model(host, ckpt)
