# Copyright (c) uet_mmdet authors. All rights reserved.
"""The COCO check names exactly the problems planted in a tiny dataset."""
import json
import os.path as osp

import pytest

from uet_mmdet.datasets import (DEMO_CLASSES, DataProblem, check_coco_dataset,
                                class_count_problems, drop_images)
from ..helpers import (PLANTED_BAD_IMAGES, PLANTED_EMPTY_IMAGES,
                       PLANTED_PROBLEMS, write_planted_coco_dataset)


@pytest.fixture(scope='module')
def planted(tmp_path_factory):
    return write_planted_coco_dataset(str(tmp_path_factory.mktemp('coco')))


def _check(root, split='train', **kwargs):
    return check_coco_dataset(
        osp.join(root, 'annotations', f'instances_{split}.json'),
        osp.join(root, split), **kwargs)


def _found(report):
    return {(p.kind, p.image_id, p.ann_id) for p in report.problems}


def test_every_planted_problem_and_nothing_else(planted):
    report = _check(planted, classes=DEMO_CLASSES)
    assert _found(report) == PLANTED_PROBLEMS
    assert len(report.problems) == len(PLANTED_PROBLEMS)
    assert report.empty_image_ids == PLANTED_EMPTY_IMAGES
    assert report.bad_image_ids == PLANTED_BAD_IMAGES
    assert report.fatal == []
    assert (report.num_images, report.num_annotations) == (9, 13)
    # the box of 'blob' (not a demo class) is ignored, and says so
    assert report.ignored['category not in classes'] == 1
    assert '1 annotations ignored (category not in classes)' in (
        report.summary())
    assert report.summary().endswith(
        '7 problems (missing_file 1, unreadable_image 1, size_mismatch 1, '
        'box_outside 1, box_too_small 1, unknown_category 1, '
        'unknown_image 1)')
    files = {p.image_id: p.file_name for p in report.problems}
    assert files[3] == 'missing.png' and files[7] == 'unknown_category.png'
    assert files[99] is None


def test_the_clean_split_has_no_problem(planted):
    report = _check(planted, 'val', classes=DEMO_CLASSES)
    assert report.problems == [] and report.empty_image_ids == []


def test_decoding_finds_what_the_header_hides(planted):
    """The truncated PNG has a valid header: only decoding catches it."""
    header_only = _check(planted, classes=DEMO_CLASSES, decode=False)
    assert _found(header_only) == PLANTED_PROBLEMS - {
        ('unreadable_image', 4, None)
    }


def test_tolerance_and_threads_change_nothing_they_should_not(planted):
    strict = _check(planted, classes=DEMO_CLASSES, tolerance=0, num_workers=3)
    # box 112 starts at x=-0.5: outside once the tolerance is 0
    assert _found(strict) == PLANTED_PROBLEMS | {('box_outside', 1, 112)}


def test_problem_line_names_image_annotation_and_file():
    problem = DataProblem('box_outside', 'x reaches 70', 5, 106, 'outside.png')
    assert problem.line() == (
        'box_outside image=5 ann=106 file=outside.png: x reaches 70')
    assert DataProblem(
        'class_mismatch',
        'no disc').line() == ('class_mismatch image=- ann=- file=-: no disc')
    with pytest.raises(ValueError, match='unknown problem kind'):
        DataProblem('typo', 'x')


def test_classes_missing_or_out_of_order_are_fatal(planted):
    missing = _check(planted, classes=DEMO_CLASSES[:-1] + ('blobby', ))
    mismatch = [p for p in missing.problems if p.kind == 'class_mismatch']
    assert len(mismatch) == 1 and "'blobby'" in mismatch[0].message
    assert missing.fatal == mismatch
    swapped = ('square', 'disc') + DEMO_CLASSES[2:]
    reordered = _check(planted, classes=swapped)
    mismatch = [p for p in reordered.problems if p.kind == 'class_mismatch']
    assert len(mismatch) == 1 and 'order' in mismatch[0].message
    # without classes every category of the file is used: no box ignored
    assert _check(planted).ignored['category not in classes'] == 0


def test_malformed_records_and_duplicate_ids(tmp_path):
    coco = {
        'images': [{
            'id': 1,
            'file_name': 'a.png',
            'width': 4
        }, {
            'id': 1,
            'file_name': 'b.png',
            'width': 4,
            'height': 4
        }, {
            'file_name': 'c.png'
        }],
        'annotations': [{
            'id': 7,
            'image_id': 1,
            'category_id': 1,
            'bbox': [0, 0, 2],
            'area': 4
        }, {
            'id': 7,
            'image_id': 1,
            'category_id': 1,
            'bbox': [0, 0, 2, 2]
        }],
        'categories': [{
            'id': 1,
            'name': 'disc'
        }],
    }
    ann_file = tmp_path / 'ann.json'
    ann_file.write_text(json.dumps(coco))
    report = check_coco_dataset(str(ann_file), str(tmp_path), decode=False)
    assert _found(report) == {
        ('duplicate_id', 1, None),  # the second image with id 1
        ('malformed', 1, None),  # image 1 has no height
        ('malformed', None, None),  # images[2] has no id: not skippable
        ('missing_file', 1, None),
        ('malformed', 1, 7),  # 3 numbers in bbox
        ('duplicate_id', 1, 7),
        ('malformed', 1, 7),  # no area
    } and len(report.problems) == 7
    assert [p.kind for p in report.fatal] == ['malformed']


def test_unreadable_annotation_file_is_one_fatal_problem(tmp_path):
    missing = check_coco_dataset(str(tmp_path / 'no.json'), str(tmp_path))
    assert [(p.kind, p.skippable)
            for p in missing.problems] == [('missing_file', False)]
    broken = tmp_path / 'broken.json'
    broken.write_text('{"images": [')
    report = check_coco_dataset(str(broken), str(tmp_path))
    assert [p.kind for p in report.fatal] == ['malformed']


def test_class_count_problems_name_each_head():
    problems = class_count_problems(
        8, {
            'model.architecture.bbox_head.num_classes': 8,
            'model.teacher.bbox_head.num_classes': 80
        })
    assert [p.line() for p in problems] == [
        'num_classes image=- ann=- file=-: model.teacher.bbox_head.'
        'num_classes = 80 but the dataset has 8 classes'
    ]


def test_drop_images_removes_them_their_boxes_and_orphans(planted):
    with open(osp.join(planted, 'annotations', 'instances_train.json')) as f:
        coco = json.load(f)
    cleaned, images, anns = drop_images(coco, PLANTED_BAD_IMAGES)
    assert [i['id'] for i in cleaned['images']] == [1, 2, 8]
    assert sorted(
        a['id'] for a in cleaned['annotations']) == [101, 102, 103, 112, 113]
    assert (images, anns) == (6, 8)
    assert len(coco['images']) == 9  # the input is left as it was
    assert cleaned['categories'] == coco['categories']
