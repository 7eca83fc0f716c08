# Copyright (c) uet_mmdet authors. All rights reserved.
"""Bad input fails before training starts, in one line, writing nothing."""
import os
import os.path as osp

from ..helpers import run_tool, tool, write_test_config

DISTILL_BASE = 'pkd/pkd_fpn_retinanet_r50_retinanet_r18_demo.py'


def _expect_one_line_error(tmp_path, config, *extra, match):
    work_dir = tmp_path / 'work'
    result = run_tool([tool('train.py'), config, '--work-dir',
                       str(work_dir), *extra], cwd=str(tmp_path))
    assert result.returncode == 2, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), lines
    assert match in lines[0]
    assert not work_dir.exists()
    return lines[0]


def test_missing_teacher_checkpoint(tmp_path, demo_data):
    config = write_test_config(
        str(tmp_path / 'distill.py'), DISTILL_BASE, demo_data,
        extra="model = dict(teacher_ckpt='no/such/teacher.pth')")
    line = _expect_one_line_error(
        tmp_path, config, match='teacher checkpoint (model.teacher_ckpt)')
    assert 'no/such/teacher.pth' in line


def test_missing_annotation_file(tmp_path, demo_data):
    config = write_test_config(
        str(tmp_path / 'student.py'), 'demo/retinanet_r18_fpn_demo.py',
        demo_data)
    _expect_one_line_error(
        tmp_path, config, '--cfg-options',
        'train_dataloader.dataset.ann_file=annotations/missing.json',
        match='annotation file (train_dataloader.dataset.ann_file)')


def test_missing_dataset_folder(tmp_path):
    config = write_test_config(
        str(tmp_path / 'student.py'), 'demo/retinanet_r18_fpn_demo.py',
        str(tmp_path / 'no_data'))
    _expect_one_line_error(tmp_path, config, match='dataset folder not found')


def test_unregistered_type(tmp_path, demo_data):
    config = write_test_config(
        str(tmp_path / 'student.py'), 'demo/retinanet_r18_fpn_demo.py',
        demo_data)
    line = _expect_one_line_error(
        tmp_path, config, '--cfg-options', 'model.neck.type=FPNN',
        match="unknown type 'FPNN' at model.neck.type")
    assert "did you mean 'FPN'" in line


def test_missing_config(tmp_path):
    _expect_one_line_error(
        tmp_path, str(tmp_path / 'nope.py'), match='config file not found')


def test_test_tool_missing_checkpoint(tmp_path, demo_data):
    config = write_test_config(
        str(tmp_path / 'student.py'), 'demo/retinanet_r18_fpn_demo.py',
        demo_data)
    result = run_tool([tool('test.py'), config, 'missing.pth'],
                      cwd=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == 'error: checkpoint not found: missing.pth'
    assert not os.path.exists(osp.join(str(tmp_path), 'work_dirs'))
