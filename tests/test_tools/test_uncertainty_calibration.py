# Copyright (c) uet_mmdet authors. All rights reserved.
"""tools/analysis_tools/uncertainty_calibration.py on the FGD+UET demo
config with a random teacher."""
import json
import os.path as osp

from ..helpers import (UET_DEMO, random_teacher_checkpoint, run_tool, tool,
                       write_test_config)

TOOL = tool('analysis_tools/uncertainty_calibration.py')
SOURCES = [
    'head/mutual_information', 'head_moments/entropy', 'energy', 'random',
    'output_entropy'
]


def test_scores_every_source_per_level(tmp_path, demo_data):
    ckpt = random_teacher_checkpoint(str(tmp_path / 'teacher.pth'))
    config = write_test_config(str(tmp_path / 'uet.py'), UET_DEMO, demo_data)
    clean = osp.join(demo_data, 'annotations', 'instances_train_clean.json')
    out = tmp_path / 'scores.json'
    result = run_tool([
        TOOL, config, '--teacher-ckpt', ckpt, '--ann-file', clean,
        '--num-images', '4', '--batch-size', '2', '--sources', *SOURCES,
        '--out',
        str(out), '--class-auroc', 'star'
    ],
                      cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [
        line for line in result.stdout.splitlines() if line.startswith('| ')
    ]
    assert rows[0].startswith('| map | cls AUROC L0 |')
    names = [row.split(' | ')[0][2:] for row in rows[1:]]
    assert names == [
        'head / mutual_information', 'head_moments / entropy', 'energy',
        'random', 'output_entropy'
    ]
    lines = result.stdout.splitlines()
    start = lines.index('AUROC of star locations against the other objects, '
                        'per level:')
    assert [line.split(': ')[0] for line in lines[start + 1:]] == names
    for line in lines[start + 1:]:
        assert all(value == 'nan' or 0 <= float(value) <= 1
                   for value in line.split(': ')[1].split())
    scores = json.loads(out.read_text())['scores']
    for source in scores.values():
        for per_level in source['cls'][:4]:
            assert 0 <= per_level['auroc'] <= 1
            assert per_level['count'] > 0
    # the entropy of the teacher's own scores, with or without dropout,
    # ranks locations almost alike at a small dropout rate
    head = scores['head_moments / entropy']['cls']
    plain = scores['output_entropy']['cls']
    assert abs(head[0]['auroc'] - plain[0]['auroc']) < 0.1


def test_missing_annotation_file_is_one_error_line(tmp_path, demo_data):
    ckpt = random_teacher_checkpoint(str(tmp_path / 'teacher.pth'))
    config = write_test_config(str(tmp_path / 'uet.py'), UET_DEMO, demo_data)
    result = run_tool(
        [TOOL, config, '--teacher-ckpt', ckpt, '--ann-file', 'nope.json'],
        cwd=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == 'error: annotation file not found: ' \
        'nope.json'
