# Copyright (c) uet_mmdet authors. All rights reserved.
"""num_classes of every model follows the dataset's metainfo.classes."""
import os.path as osp

import pytest
from mmengine.config import Config

from uet_mmdet.models.detector_from_config import (build_detector_from_config,
                                                   load_model_config)
from uet_mmdet.utils import (ConfigCheckError, build_model_without_weights,
                             check_config_data)
from uet_mmdet.utils.dataset_classes import dataset_classes, match_num_classes
from ..helpers import (CATEGORY, CONFIGS, write_one_class_coco_dataset,
                       write_own_data_config)

FGD_UET = osp.join(CONFIGS, 'uet',
                   'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py')
TEACHER = osp.join(CONFIGS, 'demo', 'retinanet_r50_fpn_demo.py')
FASTER_RCNN = osp.join(CONFIGS, 'coco', 'faster-rcnn_r50_fpn_2x_coco.py')
FGD_FASTER_RCNN = osp.join(
    CONFIGS, 'fgd', 'fgd_fpn_faster-rcnn_r101_faster-rcnn_r50_2x_coco.py')
FASTER_RCNN_TEACHER = 'mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py'
SOURCE = 'from train_dataloader.dataset.metainfo.classes: '

CASCADE_RCNN = 'mmdet::cascade_rcnn/cascade-rcnn_r50_fpn_1x_coco.py'


def _with_classes(path: str, *classes: str) -> Config:
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(
        {'train_dataloader.dataset.metainfo': dict(classes=classes)})
    return cfg


def _anchors(anchor_generator) -> int:
    scales = anchor_generator.get('scales_per_octave') or len(
        anchor_generator.scales)
    return len(anchor_generator.ratios) * scales


def test_demo_fgd_uet_student_architecture_and_teacher_get_one_class():
    cfg = _with_classes(FGD_UET, 'cat')
    lines = match_num_classes(cfg)
    assert lines == [
        f'num_classes=1 {SOURCE}model.architecture.bbox_head (was 8), '
        f'model.teacher: model.bbox_head (was 8) of {TEACHER}, in its '
        'cfg_options'
    ]
    assert match_num_classes(cfg) == []  # nothing left to change
    model = build_model_without_weights(cfg)
    student_anchors = _anchors(
        cfg.model.architecture.bbox_head.anchor_generator)
    teacher_anchors = _anchors(
        Config.fromfile(TEACHER).model.bbox_head.anchor_generator)
    assert model.architecture.bbox_head.retina_cls.out_channels == (
        student_anchors * 1)
    assert model.teacher.bbox_head.retina_cls.out_channels == (
        teacher_anchors * 1)


def test_faster_rcnn_roi_head_follows_the_classes_rpn_head_keeps_one():
    cfg = _with_classes(FASTER_RCNN, 'a', 'b', 'c')
    cfg.model.rpn_head.num_classes = 1  # as mmdet's RPNHead defaults it
    assert match_num_classes(cfg) == [
        f'num_classes=3 {SOURCE}model.roi_head.bbox_head (was 80)'
    ]
    assert cfg.model.rpn_head.num_classes == 1
    model = build_model_without_weights(cfg)
    # softmax scores: the classes and background
    assert model.roi_head.bbox_head.fc_cls.out_features == 3 + 1
    rpn_anchors = _anchors(cfg.model.rpn_head.anchor_generator)
    assert model.rpn_head.rpn_cls.out_channels == rpn_anchors * 1


def test_mmrazor_cfg_path_teacher_becomes_a_detector_from_config():
    cfg = _with_classes(FGD_FASTER_RCNN, 'a', 'b')
    assert match_num_classes(cfg) == [
        f'num_classes=2 {SOURCE}model.architecture.roi_head.bbox_head (was '
        '80), model.teacher: model.roi_head.bbox_head (was 80) of '
        f'{FASTER_RCNN_TEACHER}, in cfg_options, as a DetectorFromConfig'
    ]
    teacher = cfg.model.teacher.to_dict()
    assert teacher == dict(
        type='DetectorFromConfig',
        config=FASTER_RCNN_TEACHER,
        cfg_options={'model.roi_head.bbox_head.num_classes': 2})
    del teacher['type']
    built = build_detector_from_config(**teacher)
    assert built.roi_head.bbox_head.fc_cls.out_features == 2 + 1
    assert type(built).__name__ == 'FasterRCNN'


def test_pretrained_cfg_path_teacher_is_refused_in_one_line():
    cfg = _with_classes(FGD_FASTER_RCNN, 'a')
    cfg.model.teacher.pretrained = True
    with pytest.raises(
            ConfigCheckError,
            match=r'^model\.teacher\.pretrained'
            r'=True loads the model-zoo weights of mmdet::'):
        match_num_classes(cfg)


def test_list_of_roi_heads_is_set_through_cfg_options():
    cfg = Config(
        dict(
            train_dataloader=dict(dataset=dict(metainfo=dict(classes=['x']))),
            model=dict(
                architecture=dict(bbox_head=dict(num_classes=1)),
                teacher=dict(type='DetectorFromConfig', config=CASCADE_RCNN))))
    match_num_classes(cfg)
    options = cfg.model.teacher.cfg_options
    assert sorted(options) == [
        f'model.roi_head.bbox_head.{index}.num_classes' for index in range(3)
    ]
    teacher = load_model_config(cfg.model.teacher.config, options).model
    assert [head.num_classes
            for head in teacher.roi_head.bbox_head] == [1, 1, 1]
    assert 'num_classes' not in teacher.rpn_head


def test_config_without_metainfo_is_left_as_it_is():
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'coco', 'retinanet_r50_fpn_2x_coco.py'))
    before = cfg.to_dict()
    assert dataset_classes(cfg) is None
    assert match_num_classes(cfg) == []
    assert cfg.to_dict() == before


def _inline(dataset: dict, **loaders) -> Config:
    return Config(
        dict(
            train_dataloader=dict(dataset=dataset),
            **loaders,
            model=dict(
                bbox_head=dict(num_classes=80),
                rpn_head=dict(num_classes=1),
                semantic_head=dict(num_classes=183))))


def test_classes_are_found_through_dataset_wrappers():
    leaf = dict(type='CocoDataset', metainfo=dict(classes=('a', 'b')))
    cfg = _inline(
        dict(
            type='RepeatDataset',
            times=2,
            dataset=dict(
                type='ClassBalancedDataset',
                oversample_thr=0.1,
                dataset=dict(type='ConcatDataset', datasets=[leaf, leaf]))))
    key = ('train_dataloader.dataset.dataset.dataset.datasets[0].metainfo.'
           'classes')
    assert dataset_classes(cfg) == (('a', 'b'), key)
    assert match_num_classes(cfg) == [
        f'num_classes=2 from {key}: model.bbox_head (was 80)'
    ]
    assert (cfg.model.rpn_head.num_classes,
            cfg.model.semantic_head.num_classes) == (1, 183)


def test_the_test_tool_follows_the_test_dataloader():
    cfg = _inline(
        dict(type='CocoDataset'),
        test_dataloader=dict(dataset=dict(metainfo=dict(classes=['a']))))
    assert match_num_classes(cfg) == []
    assert match_num_classes(cfg, 'test') == [
        'num_classes=1 from test_dataloader.dataset.metainfo.classes: '
        'model.bbox_head (was 80)'
    ]


@pytest.mark.parametrize('datasets, match', [
    ([dict(metainfo=dict(classes='person'))],
     r"^train_dataloader\.dataset\.datasets\[0\]\.metainfo\.classes is the "
     r"string 'person', not a tuple"),
    ([dict(metainfo=dict(classes=()))], r'metainfo\.classes is empty$'),
    ([
        dict(metainfo=dict(classes=['a'])),
        dict(metainfo=dict(classes=['a', 'b']))
    ], r"datasets\[0\]\.metainfo\.classes \['a'\] and train_dataloader\."
     r"dataset\.datasets\[1\]\.metainfo\.classes \['a', 'b'\] differ"),
])
def test_malformed_classes_fail_in_one_line(datasets, match):
    cfg = _inline(dict(type='ConcatDataset', datasets=datasets))
    with pytest.raises(ConfigCheckError, match=match):
        match_num_classes(cfg)


@pytest.fixture(scope='module')
def one_class_data(tmp_path_factory):
    root = tmp_path_factory.mktemp('one_class')
    data = write_one_class_coco_dataset(str(root / 'data'))
    return write_own_data_config(str(root / 'data.py'), data)


def _demo_on(data_config: str) -> Config:
    """The FGD+UET demo config with a data config merged in, as
    tools/reproduce.py composes a run."""
    cfg = Config.fromfile(FGD_UET)
    cfg.merge_from_dict(Config.fromfile(data_config).to_dict())
    return cfg


def test_data_check_finds_nothing_after_matching(one_class_data):
    cfg = _demo_on(one_class_data)
    assert cfg.train_dataloader.dataset.metainfo.classes == (CATEGORY, )
    before = check_config_data(cfg, ('train', 'val'))
    assert {problem.kind for problem in before.problems} == {'num_classes'}
    assert len(before.problems) == 2  # the student and the teacher
    match_num_classes(cfg)
    after = check_config_data(cfg, ('train', 'val'))
    assert after.num_problems == 0


def test_data_check_still_catches_a_config_without_metainfo(one_class_data):
    cfg = _demo_on(one_class_data)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.dataset.metainfo = None  # CocoDataset's 80 classes apply
    assert match_num_classes(cfg) == []
    check = check_config_data(cfg, ('train', ))
    kinds = {problem.kind for problem in check.reports[0].problems}
    assert kinds == {'class_mismatch'}
    assert {
        problem.message
        for problem in check.problems
    } == {
        'model.architecture.bbox_head.num_classes = 8 but the dataset has 80 '
        'classes',
        f'model.teacher.config ({cfg.model.teacher.config}): model.bbox_head.'
        'num_classes = 8 but the dataset has 80 classes'
    }


def test_a_kept_teacher_keeps_its_classes_and_is_not_checked(one_class_data):
    cfg = _demo_on(one_class_data)
    cfg.keep_num_classes = ['model.teacher']
    assert match_num_classes(cfg) == [
        f'num_classes=1 {SOURCE}model.architecture.bbox_head (was 8)'
    ]
    model = build_model_without_weights(cfg)
    teacher_anchors = _anchors(
        Config.fromfile(TEACHER).model.bbox_head.anchor_generator)
    assert model.teacher.bbox_head.retina_cls.out_channels == (
        teacher_anchors * 8)
    assert check_config_data(cfg, ('train', )).num_problems == 0
    cfg.keep_num_classes = ['model.teachr']
    with pytest.raises(
            ConfigCheckError,
            match=r"keep_num_classes must list "
            r"models of this config, of \['model.architecture', "
            r"'model.teacher'\]; got \['model.teachr'\]"):
        match_num_classes(cfg)
