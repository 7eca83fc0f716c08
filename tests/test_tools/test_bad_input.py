# Copyright (c) uet_mmdet authors. All rights reserved.
"""Bad input fails before training starts, in one line, writing nothing."""
import os
import os.path as osp

from ..helpers import (CONFIGS, run_tool, tool, write_one_class_coco_dataset,
                       write_own_data_config, write_test_config)

DISTILL_BASE = 'pkd/pkd_fpn_retinanet_r50_retinanet_r18_demo.py'


def _expect_one_line_error(tmp_path, config, *extra, match):
    work_dir = tmp_path / 'work'
    result = run_tool(
        [tool('train.py'), config, '--work-dir',
         str(work_dir), *extra],
        cwd=str(tmp_path))
    assert result.returncode == 2, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), lines
    assert match in lines[0]
    assert not work_dir.exists()
    return lines[0]


def test_missing_teacher_checkpoint(tmp_path, demo_data):
    config = write_test_config(
        str(tmp_path / 'distill.py'),
        DISTILL_BASE,
        demo_data,
        extra="model = dict(teacher_ckpt='no/such/teacher.pth')")
    line = _expect_one_line_error(
        tmp_path, config, match='teacher checkpoint (model.teacher_ckpt)')
    assert 'no/such/teacher.pth' in line


def test_missing_annotation_file(tmp_path, demo_data):
    config = write_test_config(
        str(tmp_path / 'student.py'), 'demo/retinanet_r18_fpn_demo.py',
        demo_data)
    _expect_one_line_error(
        tmp_path,
        config,
        '--cfg-options',
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
        tmp_path,
        config,
        '--cfg-options',
        'model.neck.type=FPNN',
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


def test_teacher_checkpoint_of_other_classes(tmp_path):
    import torch
    from mmengine.config import Config

    from uet_mmdet.utils import build_model_without_weights
    teacher_config = osp.join(CONFIGS, 'demo', 'retinanet_r50_fpn_demo.py')
    head = Config.fromfile(teacher_config).model.bbox_head
    anchors = len(head.anchor_generator.ratios) * (
        head.anchor_generator.scales_per_octave)
    # the demo teacher as trained on the demo data, whole
    checkpoint = str(tmp_path / 'demo_teacher.pth')
    teacher = build_model_without_weights(Config.fromfile(teacher_config))
    torch.save({'state_dict': teacher.state_dict()}, checkpoint)
    # the FGD+UET demo config on one-class data, as tools/reproduce.py
    # composes it
    data = write_one_class_coco_dataset(str(tmp_path / 'data'))
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'uet',
                 'fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'))
    cfg.merge_from_dict(
        Config.fromfile(
            write_own_data_config(str(tmp_path / 'data.py'), data)).to_dict())
    cfg.model.teacher_ckpt = checkpoint
    config = str(tmp_path / 'distill.py')
    cfg.dump(config)
    rows = anchors * head.num_classes
    _expect_one_line_error(
        tmp_path,
        config,
        match=f'error: teacher checkpoint (model.teacher_ckpt) {checkpoint} '
        f'was trained with {head.num_classes} classes (bbox_head.retina_cls.'
        f'weight has {rows} rows for {anchors} anchors) but model.teacher '
        'has 1; ')


def test_config_error_from_deep_in_the_model_build_is_one_line(
        tmp_path, demo_data):
    import torch

    # a teacher checkpoint the pre-checks accept: nothing in it to mismatch
    teacher = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': {}}, teacher)
    # a host UET cannot wrap: only the distiller, built by the Runner, sees it
    config = write_test_config(
        str(tmp_path / 'distill.py'),
        'uet/pkd_uet_fpn_retinanet_r50_retinanet_r18_demo.py',
        demo_data,
        extra=f"model = dict(teacher_ckpt={teacher!r}, distiller=dict("
        "distill_losses=dict(loss_pkd_fpn0=dict(type='KLDivergence'))))")
    result = run_tool([
        tool('train.py'), config, '--no-data-check', '--work-dir',
        str(tmp_path / 'work')
    ],
                      cwd=str(tmp_path))
    assert result.returncode == 2, result.stderr[-3000:]
    errors = [
        line for line in result.stderr.splitlines()
        if line.startswith('error:')
    ]
    assert len(errors) == 1, result.stderr[-3000:]
    assert errors[0].startswith(
        'error: model.distiller.distill_losses.loss_pkd_fpn0.type: UET '
        'cannot wrap host loss KLDivergence; supported hosts: [')
    assert 'Traceback' not in result.stderr
