# Copyright (c) uet_mmdet authors. All rights reserved.
"""DatasetCheckHook refuses a run on bad data and says what is wrong."""
import ast
import glob
import os.path as osp
from types import SimpleNamespace

import pytest
from mmengine.dataset import RepeatDataset
from mmengine.registry import HOOKS
from mmengine.runner import BaseLoop
from torch import nn

from uet_mmdet.datasets import DEMO_CLASSES, DatasetCheckError
from uet_mmdet.engine import DatasetCheckHook
from uet_mmdet.engine.hooks.dataset_check_hook import coco_instances_class
from uet_mmdet.errors import ConfigError
from ..helpers import PLANTED_PROBLEMS, REPO_ROOT, write_planted_coco_dataset


@pytest.fixture(scope='module')
def planted(tmp_path_factory):
    return write_planted_coco_dataset(str(tmp_path_factory.mktemp('coco')))


class _Loop(BaseLoop):

    def run(self) -> None:
        pass


class _Head(nn.Module):

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.num_classes = num_classes


class _Detector(nn.Module):

    def __init__(self, num_classes: int = 8) -> None:
        super().__init__()
        self.bbox_head = _Head(num_classes)


class _TwoStage(nn.Module):

    def __init__(self, *num_classes: int) -> None:
        super().__init__()
        self.roi_head = nn.Module()
        self.roi_head.bbox_head = nn.ModuleList(map(_Head, num_classes))


class _Distill(nn.Module):

    def __init__(self, student: int, teacher: int) -> None:
        super().__init__()
        self.architecture = _Detector(student)
        self.teacher = _Detector(teacher)


class _Logger:

    def __init__(self) -> None:
        self.lines = []

    def info(self, message: str) -> None:
        self.lines.append(('info', message))

    def warning(self, message: str) -> None:
        self.lines.append(('warning', message))


def _coco(root: str, split: str):
    from mmdet.datasets import CocoDataset
    return CocoDataset(
        data_root=root,
        ann_file=f'annotations/instances_{split}.json',
        data_prefix=dict(img=f'{split}/'),
        metainfo=dict(classes=DEMO_CLASSES),
        pipeline=[],
        lazy_init=True)


def _runner(train=None, val=None, model=None, cfg=None):
    runner = SimpleNamespace(
        model=model or _Detector(),
        logger=_Logger(),
        cfg=cfg or {},
        _train_loop=None,
        _val_loop=None,
        _test_loop=None)
    for name, dataset in (('_train_loop', train), ('_val_loop', val)):
        if dataset is not None:
            setattr(runner, name,
                    _Loop(runner, SimpleNamespace(dataset=dataset)))
    return runner


def test_clean_data_passes_and_is_summarised(planted):
    runner = _runner(val=_coco(planted, 'val'), model=_Distill(8, 8))
    DatasetCheckHook().before_run(runner)
    assert runner.logger.lines == [
        ('info', 'dataset check: val_dataloader.dataset '
         f'({planted}/annotations/instances_val.json): 2 images, 5 '
         'annotations, 0 empty images, 1 annotations ignored (category not '
         'in classes), 0 problems')
    ]


def test_planted_problems_refuse_the_run(planted):
    dataset = RepeatDataset(_coco(planted, 'train'), times=2, lazy_init=True)
    runner = _runner(train=dataset, val=_coco(planted, 'val'))
    with pytest.raises(DatasetCheckError) as error:
        DatasetCheckHook(max_listed=10).before_run(runner)
    lines = str(error.value).splitlines()
    assert lines[:2] == [
        'the dataset check found 7 problems; run refused:',
        'train_dataloader.dataset.dataset:'
    ]
    listed = {(line.split()[0], line.split()[1], line.split()[2])
              for line in lines[2:]}
    assert listed == {(kind, f'image={image}',
                       f'ann={"-" if ann is None else ann}')
                      for kind, image, ann in PLANTED_PROBLEMS}
    assert ('info', 'dataset check: train_dataloader.dataset.dataset '
            f'({planted}/annotations/instances_train.json): 9 images, 13 '
            'annotations, 1 empty images, 1 annotations ignored (category '
            'not in classes), 7 problems (missing_file 1, unreadable_image '
            '1, size_mismatch 1, box_outside 1, box_too_small 1, '
            'unknown_category 1, unknown_image 1)') in runner.logger.lines


def test_first_problems_listed_then_counted(planted):
    runner = _runner(train=_coco(planted, 'train'))
    with pytest.raises(DatasetCheckError) as error:
        DatasetCheckHook(max_listed=3).before_run(runner)
    lines = str(error.value).splitlines()
    assert len(lines) == 2 + 3 + 1 and lines[-1] == '  ... and 4 more'


def test_teacher_and_roi_head_classes(planted):
    runner = _runner(val=_coco(planted, 'val'), model=_Distill(8, 80))
    with pytest.raises(DatasetCheckError) as error:
        DatasetCheckHook().before_run(runner)
    assert str(error.value).splitlines()[1:] == [
        'model:', '  num_classes image=- ann=- file=-: model.teacher.'
        'bbox_head.num_classes = 80 but the dataset has 8 classes'
    ]
    # a COCO teacher of FPN features, kept at its classes on purpose
    runner = _runner(
        val=_coco(planted, 'val'),
        model=_Distill(8, 80),
        cfg=dict(keep_num_classes=['model.teacher']))
    DatasetCheckHook().before_run(runner)
    runner = _runner(val=_coco(planted, 'val'), model=_TwoStage(8, 7))
    with pytest.raises(
            DatasetCheckError,
            match=r'model.roi_head.bbox_head\[1\].num_classes = '
            '7 but'):
        DatasetCheckHook().before_run(runner)


def test_unchecked_datasets_are_named_and_splits_chosen(planted):
    other = SimpleNamespace(metainfo={})  # no COCO json
    runner = _runner(train=_coco(planted, 'train'), val=other)
    DatasetCheckHook(splits=('val', )).before_run(runner)  # train not asked
    assert runner.logger.lines == [
        ('warning', 'dataset check: val_dataloader.dataset not checked: not '
         'a local COCO json dataset with a local data_prefix.img')
    ]


def test_registered_and_arguments_checked():
    assert isinstance(
        HOOKS.build(dict(type='DatasetCheckHook')), DatasetCheckHook)
    with pytest.raises(
            ConfigError,
            match=r"^custom_hooks\.DatasetCheckHook\.splits: must be of "
            r"\['train', 'val', 'test'\], got \['dev'\]$"):
        DatasetCheckHook(splits=('train', 'dev'))
    with pytest.raises(
            ConfigError,
            match=r'^custom_hooks\.DatasetCheckHook\.num_workers: must be '
            '>= 1, got 0$'):
        DatasetCheckHook(num_workers=0)


def test_coco_instances_class_and_the_engine_imports_no_higher_layer():
    from mmdet.datasets import CocoDataset, LVISV1Dataset

    class Renamed(CocoDataset):
        pass

    class OwnParser(CocoDataset):

        def parse_data_info(self, raw_data_info):
            return {}

    assert coco_instances_class(CocoDataset)
    assert coco_instances_class(Renamed)
    assert not coco_instances_class(OwnParser)
    assert not coco_instances_class(LVISV1Dataset)
    assert not coco_instances_class('CocoDataset')  # a name, not a class
    engine = osp.join(REPO_ROOT, 'uet_mmdet', 'engine')
    imported = set()
    for path in glob.glob(osp.join(engine, '**', '*.py'), recursive=True):
        with open(path) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    above = ('uet_mmdet.utils', 'uet_mmdet.analysis', 'uet_mmdet.benchmark')
    assert 'uet_mmdet.datasets' in imported  # the walk sees absolute imports
    assert [name for name in imported if name.startswith(above)] == []


def test_other_formats_are_not_checked_and_check_errors_propagate(planted):
    from mmdet.datasets import LVISV1Dataset
    lvis = LVISV1Dataset(
        data_root=planted,
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        pipeline=[],
        lazy_init=True)
    runner = _runner(train=lvis)
    DatasetCheckHook(splits=('train', )).before_run(runner)
    assert runner.logger.lines == [
        ('warning', 'dataset check: train_dataloader.dataset not checked: '
         "LVISV1Dataset does not read its json as mmdet's CocoDataset")
    ]

    class Broken(DatasetCheckHook):

        def _check(self, runner):
            raise PermissionError('cannot read the annotation file')

    with pytest.raises(PermissionError, match='cannot read'):
        Broken().before_run(_runner(train=_coco(planted, 'train')))
