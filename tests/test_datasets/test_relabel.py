# Copyright (c) uet_mmdet authors. All rights reserved.
"""The known-mistake annotations: one class labelled as another."""
import json
import os.path as osp

import pytest

from uet_mmdet.datasets import relabel_coco
from ..helpers import run_tool, tool


def _coco():
    return {
        'categories': [{
            'id': 1,
            'name': 'disc'
        }, {
            'id': 6,
            'name': 'star'
        }, {
            'id': 5,
            'name': 'cross'
        }],
        'annotations': [{
            'id': i,
            'category_id': cat
        } for i, cat in enumerate([6, 1, 6, 5, 6])]
    }


def test_every_box_of_the_class_and_only_those_change():
    coco = _coco()
    relabelled, changed = relabel_coco(coco, 'star', 'cross')
    assert changed == 3
    for before, after in zip(coco['annotations'], relabelled['annotations']):
        expected = 5 if before['category_id'] == 6 else before['category_id']
        assert after['category_id'] == expected
    assert [a['category_id'] for a in coco['annotations']] == [6, 1, 6, 5, 6]
    with pytest.raises(ValueError, match="no category 'stra'"):
        relabel_coco(coco, 'stra', 'cross')


def test_tool_writes_the_file_and_says_what_changed(tmp_path, demo_data):
    src = osp.join(demo_data, 'annotations', 'instances_train_clean.json')
    out = tmp_path / 'relabelled.json'
    result = run_tool([
        tool('misc/relabel_annotations.py'), src,
        str(out), '--from-class', 'star', '--to-class', 'cross'
    ],
                      cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    with open(src) as f:
        stars = sum(a['category_id'] == 6 for a in json.load(f)['annotations'])
    assert result.stdout.startswith(f'{out}: {stars} of ')
    written = json.loads(out.read_text())
    assert not any(a['category_id'] == 6 for a in written['annotations'])
