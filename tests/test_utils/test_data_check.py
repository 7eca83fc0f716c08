# Copyright (c) uet_mmdet authors. All rights reserved.
"""The config-level data check: datasets of a config, classes of its models,
and dropping the bad images before the Runner is built."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from uet_mmdet.datasets import DatasetCheckError
from uet_mmdet.utils import (check_config_data, check_training_data,
                             drop_bad_samples, register_all_modules)
from ..helpers import (PLANTED_BAD_IMAGES, PLANTED_PROBLEMS,
                       write_planted_coco_dataset, write_test_config)

STUDENT = 'demo/retinanet_r18_fpn_demo.py'
DISTILL = 'pkd/pkd_fpn_retinanet_r50_retinanet_r18_demo.py'


@pytest.fixture(scope='module')
def planted(tmp_path_factory):
    return write_planted_coco_dataset(str(tmp_path_factory.mktemp('coco')))


def _config(tmp_path, planted, base=STUDENT, extra=''):
    path = write_test_config(
        str(tmp_path / 'cfg.py'),
        base,
        planted,
        extra=extra + f'\nwork_dir = {str(tmp_path)!r}')
    return Config.fromfile(path)


def _found(report):
    return {(p.kind, p.image_id, p.ann_id) for p in report.problems}


def test_each_dataset_once_with_the_planted_problems(tmp_path, planted):
    check = check_config_data(
        _config(tmp_path, planted), ('train', 'val', 'test'))
    train, val = check.sources
    assert (train.key, val.key) == ('train_dataloader.dataset',
                                    'val_dataloader.dataset')
    assert val.shared == ['test_dataloader.dataset']  # the same files
    assert train.filter_empty_gt and not val.filter_empty_gt
    assert _found(check.reports[0]) == PLANTED_PROBLEMS
    assert check.reports[1].problems == [] and check.problems == []
    assert check.num_problems == len(PLANTED_PROBLEMS)
    lines = check.lines()
    assert lines[0].startswith('train (train_dataloader.dataset): ')
    assert 'empty images are dropped from training by filter_cfg' in lines[1]
    assert lines[-2].startswith('val (val_dataloader.dataset, '
                                'test_dataloader.dataset): ')


def test_num_classes_of_student_and_teacher(tmp_path, planted):
    cfg = _config(
        tmp_path,
        planted,
        DISTILL,
        extra="model = dict(architecture=dict(bbox_head=dict(num_classes=5)),"
        " teacher=dict(cfg_options={'model.bbox_head.num_classes': 3}))")
    check = check_config_data(cfg, ('val', ))
    teacher_config = cfg.model.teacher.config
    assert [p.line() for p in check.problems] == [
        'num_classes image=- ann=- file=-: model.architecture.bbox_head.'
        'num_classes = 5 but the dataset has 8 classes',
        f'num_classes image=- ann=- file=-: model.teacher.config '
        f'({teacher_config}): model.bbox_head.num_classes = 3 but the '
        'dataset has 8 classes'
    ]
    plain = check_config_data(
        _config(
            tmp_path,
            planted,
            extra='model = dict(bbox_head=dict(num_classes=80))'), ('val', ))
    assert [p.message for p in plain.problems] == [
        'model.bbox_head.num_classes = 80 but the dataset has 8 classes'
    ]


def test_matching_classes_give_no_problem(tmp_path, planted):
    assert check_config_data(_config(tmp_path, planted, DISTILL),
                             ('val', )).problems == []


def test_dropping_rewires_the_config_and_mmdet_loads_the_good_images(
        tmp_path, planted):
    cfg = _config(tmp_path, planted)
    check = check_config_data(cfg)
    out_dir = str(tmp_path / 'data_check')
    lines = drop_bad_samples(cfg, check, out_dir)
    out_file = osp.join(out_dir, 'train_dataloader.dataset.json')
    assert cfg.train_dataloader.dataset.ann_file == out_file
    assert lines[0] == (
        'train_dataloader.dataset: dropped 6 of 9 images and 8 of 13 '
        'annotations for 7 problems (missing_file 1, unreadable_image 1, '
        'size_mismatch 1, box_outside 1, box_too_small 1, unknown_category '
        f'1, unknown_image 1); image ids [3, 4, 5, 6, 7, 9]; now reads '
        f'{out_file}')
    assert lines[1] == ('val_dataloader.dataset: no bad samples, nothing '
                        'dropped')
    assert cfg.val_dataloader.dataset.ann_file == (
        'annotations/instances_val.json')
    with open(out_file) as f:
        assert [i['id'] for i in json.load(f)['images']] == [1, 2, 8]
    with open(osp.join(out_dir, 'train_dataloader.dataset.problems.txt')) as f:
        listed = f.read().splitlines()
    assert len(listed) == len(PLANTED_PROBLEMS)
    assert 'box_outside image=5 ann=106 file=outside.png: ' in '\n'.join(
        listed)

    from mmdet.registry import DATASETS
    register_all_modules()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    dataset.full_init()
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    # image 8 is empty: filter_empty_gt drops it, as the summary says
    assert [info['img_id'] for info in infos] == [1, 2]
    assert [len(info['instances']) for info in infos] == [3, 1]
    assert not PLANTED_BAD_IMAGES & {info['img_id'] for info in infos}


def test_dropping_val_images_rewires_its_evaluator(tmp_path, planted):
    cfg = _config(tmp_path, planted)
    cfg.val_dataloader.dataset.ann_file = 'annotations/instances_train.json'
    cfg.val_dataloader.dataset.data_prefix.img = 'train/'
    cfg.val_evaluator.ann_file = osp.join(planted, 'annotations',
                                          'instances_train.json')
    check = check_config_data(cfg, ('val', ))
    drop_bad_samples(cfg, check, str(tmp_path / 'out'))
    out_file = str(tmp_path / 'out' / 'val_dataloader.dataset.json')
    assert cfg.val_dataloader.dataset.ann_file == out_file
    assert cfg.val_evaluator.ann_file == out_file


def test_class_problems_cannot_be_dropped(tmp_path, planted):
    cfg = _config(
        tmp_path, planted, extra='model = dict(bbox_head=dict(num_classes=5))')
    check = check_config_data(cfg)
    with pytest.raises(DatasetCheckError, match='dropping images cannot fix'):
        drop_bad_samples(cfg, check, str(tmp_path / 'out'))
    assert not osp.exists(tmp_path / 'out')


def test_training_check_refuses_with_the_first_problems_or_drops(
        tmp_path, planted):
    cfg = _config(tmp_path, planted)
    with pytest.raises(DatasetCheckError) as error:
        check_training_data(cfg, num_workers=1)
    lines = str(error.value).splitlines()
    assert lines[0] == ('the dataset check found 7 problems; training '
                        'refused:')
    assert sum(line.startswith('  ') and 'image=' in line
               for line in lines) == 5
    assert '  ... and 2 more' in lines
    assert '--skip-bad-samples' in lines[-1]

    logged = check_training_data(cfg, skip_bad=True, num_workers=1)
    assert any(
        line.startswith('dataset check, --skip-bad-samples: '
                        'train_dataloader.dataset: dropped 6 of 9 '
                        'images') for line in logged)
    assert cfg.train_dataloader.dataset.ann_file == str(
        tmp_path / 'data_check' / 'train_dataloader.dataset.json')


def _train_subset(planted, name, image_ids, ignore=()):
    """A train json of the planted images ``image_ids`` only, with the
    annotations ``ignore`` flagged ``ignore``."""
    with open(osp.join(planted, 'annotations', 'instances_train.json')) as f:
        coco = json.load(f)
    coco['images'] = [i for i in coco['images'] if i['id'] in image_ids]
    coco['annotations'] = [
        dict(a, ignore=1) if a['id'] in ignore else a
        for a in coco['annotations'] if a['image_id'] in image_ids
    ]
    with open(osp.join(planted, 'annotations', name), 'w') as f:
        json.dump(coco, f)
    return ('train_dataloader = dict(dataset=dict(data_root=data_root, '
            f"ann_file='annotations/{name}'))")


def test_box_problems_alone_are_reported_and_training_goes_on(
        tmp_path, planted):
    # image 5 holds a box reaching outside, image 6 a zero-width box
    cfg = _config(
        tmp_path,
        planted,
        extra=_train_subset(planted, 'boxes.json', {1, 2, 5, 6}))
    lines = check_training_data(cfg)
    assert any('box_outside image=5 ann=106' in line for line in lines)
    assert any('box_too_small image=6 ann=108' in line for line in lines)
    assert lines[-1].startswith('dataset check: the 2 box problems above are '
                                'only reported')
    # mmdet skips a box flagged ignore without reading it; so does the check
    cfg = _config(
        tmp_path,
        planted,
        extra=_train_subset(planted, 'ignored.json', {1, 2, 6}, ignore={108}))
    check = check_config_data(cfg, ('train', ))
    assert check.num_problems == 0
    assert check.reports[0].ignored["'ignore' set"] == 1


def test_datasets_that_do_not_read_coco_instances_are_not_checked(
        tmp_path, planted):
    cfg = _config(
        tmp_path,
        planted,
        extra="train_dataloader = dict("
        "dataset=dict(data_root=data_root, type='LVISV1Dataset'))")
    check = check_config_data(cfg, ('train', ))
    assert check.sources == [] and check.num_problems == 0
    assert check.notes == [
        'train_dataloader.dataset not checked: LVISV1Dataset does not read '
        "its json as mmdet's CocoDataset"
    ]
