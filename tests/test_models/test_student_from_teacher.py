# Copyright (c) uet_mmdet authors. All rights reserved.
"""``StudentFromTeacherDistill`` starts the named student submodules from
the teacher checkpoint, and refuses lists that cannot work."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmrazor.registry import MODELS

from uet_mmdet.errors import ConfigError
from uet_mmdet.models import build_detector_from_config
from ..helpers import CONFIGS

R18 = osp.join(CONFIGS, 'demo', 'retinanet_r18_fpn_demo.py')
R50 = osp.join(CONFIGS, 'demo', 'retinanet_r50_fpn_demo.py')


def _checkpoint(config: str, path: str, seed: int) -> str:
    torch.manual_seed(seed)
    teacher = build_detector_from_config(config)
    teacher.init_weights()
    torch.save({'state_dict': teacher.state_dict()}, path)
    return path


def _algorithm(teacher_config: str, **kwargs):
    student = Config.fromfile(R18).model.to_dict()
    cfg = dict(
        _scope_='mmrazor',
        type='StudentFromTeacherDistill',
        architecture=dict(student, _scope_='mmdet'),
        teacher=dict(type='DetectorFromConfig', config=teacher_config),
        distiller=dict(type='ConfigurableDistiller'),
        **kwargs)
    return MODELS.build(cfg)


def _part(state: dict, prefix: str) -> dict:
    return {
        key[len(prefix):]: value
        for key, value in state.items() if key.startswith(prefix)
    }


def test_named_parts_start_from_the_checkpoint_the_rest_does_not(tmp_path):
    ckpt = _checkpoint(R18, str(tmp_path / 'teacher.pth'), seed=1)
    saved = torch.load(ckpt)['state_dict']
    torch.manual_seed(2)
    model = _algorithm(
        R18, teacher_ckpt=ckpt, student_from_teacher=['neck', 'bbox_head'])
    model.init_weights()
    student = model.student.state_dict()
    for part in ('neck.', 'bbox_head.'):
        ours, theirs = _part(student, part), _part(saved, part)
        assert ours.keys() == theirs.keys()
        for key in ours:
            assert torch.equal(ours[key], theirs[key]), part + key
    backbone = _part(student, 'backbone.')
    assert not all(
        torch.equal(value, saved['backbone.' + key])
        for key, value in backbone.items() if value.is_floating_point())


def test_another_teacher_checkpoint_moves_the_student_with_it(tmp_path):
    first = _checkpoint(R18, str(tmp_path / 'first.pth'), seed=1)
    second = _checkpoint(R18, str(tmp_path / 'second.pth'), seed=3)
    heads = []
    for ckpt in (first, second):
        model = _algorithm(
            R18, teacher_ckpt=ckpt, student_from_teacher=['bbox_head'])
        model.init_weights()
        head = model.student.bbox_head.retina_cls.weight
        assert torch.equal(
            head,
            torch.load(ckpt)['state_dict']['bbox_head.retina_cls.weight'])
        heads.append(head)
    assert not torch.equal(*heads)


@pytest.mark.parametrize('names', [[], None])
def test_no_names_is_mmrazors_single_teacher_distill(tmp_path, names):
    ckpt = _checkpoint(R18, str(tmp_path / 'teacher.pth'), seed=1)
    model = _algorithm(R18, teacher_ckpt=ckpt, student_from_teacher=names)
    model.init_weights()
    neck = model.student.neck.fpn_convs[0].conv.weight
    assert not torch.equal(
        neck,
        torch.load(ckpt)['state_dict']['neck.fpn_convs.0.conv.weight'])


@pytest.mark.parametrize(
    'teacher, names, message',
    [(R18, '', r"needs submodule names, got \(''\,\)"),
     (R18, ['neck', 'neck'], r"names a submodule twice: \['neck', 'neck'\]"),
     (R18, ['neck.fpn_convs.0'], "the student's neck.fpn_convs.0 is not "
      'reached by init_weights'),
     (R50, ['neck'], "student neck.lateral_convs.0.conv.weight has shape "
      r"\(128, 128, 1, 1\), the teacher's \(128, 512, 1, 1\); "
      "leave 'neck' out of the list"),
     (R50, ['nope'], "the student has no submodule 'nope'; name one of: "
      'data_preprocessor, backbone, neck, bbox_head')],
    ids=['empty', 'twice', 'unreached', 'shapes', 'missing'])
def test_a_part_that_cannot_start_from_the_teacher_is_one_keyed_line(
        tmp_path, teacher, names, message):
    ckpt = _checkpoint(teacher, str(tmp_path / 'teacher.pth'), seed=1)
    with pytest.raises(
            ConfigError, match='^model.student_from_teacher: ' + message):
        _algorithm(teacher, teacher_ckpt=ckpt, student_from_teacher=names)


def test_a_part_with_its_own_checkpoint_or_no_teacher_checkpoint_fails(
        tmp_path):
    with pytest.raises(ConfigError, match='needs model.teacher_ckpt'):
        _algorithm(R18, student_from_teacher=['neck'])
    ckpt = _checkpoint(R18, str(tmp_path / 'teacher.pth'), seed=1)
    student = Config.fromfile(R18).model.to_dict()
    student['neck']['init_cfg'] = dict(
        type='Pretrained', checkpoint='mine.pth')
    with pytest.raises(ConfigError, match="neck already starts from mine.pth"):
        MODELS.build(
            dict(
                _scope_='mmrazor',
                type='StudentFromTeacherDistill',
                architecture=dict(student, _scope_='mmdet'),
                teacher=dict(type='DetectorFromConfig', config=R18),
                teacher_ckpt=ckpt,
                student_from_teacher=['neck'],
                distiller=dict(type='ConfigurableDistiller')))
