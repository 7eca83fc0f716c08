# Copyright (c) uet_mmdet authors. All rights reserved.
"""Teacher, student and distillation through the real tools on tiny data."""
import glob
import json
import math
import os.path as osp
import pickle
import re
import shutil

import pytest
import torch

from uet_mmdet.models import build_detector_from_config
from ..helpers import run_tool, tool, write_test_config

pytestmark = pytest.mark.slow

DISTILL_BASE = 'pkd/pkd_fpn_retinanet_r50_retinanet_r18_demo.py'


def _tail(result) -> str:
    return result.stdout[-3000:] + result.stderr[-3000:]


def _train(config: str, work_dir: str, *extra: str):
    result = run_tool(
        [tool('train.py'), config, '--work-dir', work_dir, *extra],
        cwd=osp.dirname(config))
    assert result.returncode == 0, _tail(result)
    return result


def _log_text(work_dir: str) -> str:
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))
    return ''.join(open(path).read() for path in logs)


def _test(config: str, checkpoint: str, out_dir: str, name: str) -> dict:
    metrics_file = osp.join(out_dir, f'{name}_metrics.json')
    result = run_tool([
        tool('test.py'), config, checkpoint, '--work-dir',
        osp.join(out_dir, f'{name}_test'), '--metrics-out', metrics_file,
        '--out',
        osp.join(out_dir, f'{name}_pred.pkl')
    ],
                      cwd=out_dir)
    assert result.returncode == 0, _tail(result)
    assert 'coco/bbox_mAP' in result.stdout + result.stderr
    with open(metrics_file) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def runs(module_tmp_path, demo_data):
    """Train teacher, student and PKD distillation for one tiny epoch each."""
    root = str(module_tmp_path)
    teacher_cfg = write_test_config(
        osp.join(root, 'teacher.py'), 'demo/retinanet_r50_fpn_demo.py',
        demo_data)
    student_cfg = write_test_config(
        osp.join(root, 'student.py'), 'demo/retinanet_r18_fpn_demo.py',
        demo_data)
    _train(teacher_cfg, osp.join(root, 'teacher'))
    teacher_ckpt = osp.join(root, 'teacher', 'epoch_1.pth')
    distill_cfg = write_test_config(
        osp.join(root, 'distill.py'),
        DISTILL_BASE,
        demo_data,
        extra=f'model = dict(teacher_ckpt={teacher_ckpt!r})')
    _train(student_cfg, osp.join(root, 'student'))
    _train(distill_cfg, osp.join(root, 'distill'))
    return dict(
        root=root,
        data=demo_data,
        teacher_cfg=teacher_cfg,
        student_cfg=student_cfg,
        distill_cfg=distill_cfg,
        teacher_ckpt=teacher_ckpt)


def test_training_writes_checkpoints_and_distill_losses(runs):
    for name in ('teacher', 'student', 'distill'):
        assert osp.isfile(osp.join(runs['root'], name, 'epoch_1.pth'))
    log = _log_text(osp.join(runs['root'], 'distill'))
    for level in range(5):
        assert f'distill.loss_pkd_fpn{level}' in log
    assert 'student.loss_cls' in log


def test_fgd_run_logs_the_four_fgd_terms(runs):
    root = runs['root']
    config = write_test_config(
        osp.join(root, 'fgd.py'),
        'fgd/fgd_fpn_retinanet_r50_retinanet_r18_demo.py',
        runs['data'],
        extra=f"model = dict(teacher_ckpt={runs['teacher_ckpt']!r})")
    _train(config, osp.join(root, 'fgd'))
    log = _log_text(osp.join(root, 'fgd'))
    for level in range(5):
        for term in ('fg', 'bg', 'at', 'global'):
            assert re.search(rf'distill\.loss_fgd_fpn{level}_{term}: \d',
                             log), (level, term)


def test_checkpoints_load_weights_only(runs):
    checkpoint = torch.load(
        osp.join(runs['root'], 'student', 'epoch_1.pth'), weights_only=True)
    assert {'meta', 'state_dict', 'message_hub',
            'optimizer'} <= set(checkpoint)


def test_test_tool_prints_coco_metrics(runs):
    metrics = _test(runs['teacher_cfg'], runs['teacher_ckpt'], runs['root'],
                    'teacher')
    for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s',
                'bbox_mAP_m', 'bbox_mAP_l'):
        assert f'coco/{key}' in metrics


def test_exported_student_matches_student_inside_wrapper(runs):
    root = runs['root']
    distill_ckpt = osp.join(root, 'distill', 'epoch_1.pth')
    student_ckpt = osp.join(root, 'exported_student.pth')
    result = run_tool([
        tool('model_converters/extract_student.py'), distill_ckpt, student_ckpt
    ],
                      cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    exported = torch.load(student_ckpt, weights_only=True)
    student = build_detector_from_config(runs['student_cfg'])
    student.load_state_dict(exported['state_dict'], strict=True)

    inside = _test(runs['distill_cfg'], distill_ckpt, root, 'inside')
    plain = _test(runs['student_cfg'], student_ckpt, root, 'plain')
    assert inside == plain
    with open(osp.join(root, 'inside_pred.pkl'), 'rb') as f:
        inside_preds = pickle.load(f)
    with open(osp.join(root, 'plain_pred.pkl'), 'rb') as f:
        plain_preds = pickle.load(f)
    assert len(inside_preds) == len(plain_preds) == 6
    for a, b in zip(inside_preds, plain_preds):
        for key in ('bboxes', 'scores', 'labels'):
            assert torch.equal(a['pred_instances'][key],
                               b['pred_instances'][key])


def test_resume_continues_from_the_next_iteration(runs):
    root = runs['root']
    work_dir = osp.join(root, 'resumed')
    shutil.copytree(osp.join(root, 'student'), work_dir)
    _train(runs['student_cfg'], work_dir, '--resume', '--cfg-options',
           'train_cfg.max_epochs=2')
    log = _log_text(work_dir)
    assert 'resumed epoch: 1, iter: 6' in log
    second_epoch = re.findall(
        r'Epoch\(train\)\s+\[2\]\[\s*(\d+)/6\].*?'
        r' loss: ([-\d.e+naif]+)', log)
    assert [int(i) for i, _ in second_epoch] == list(range(1, 7))
    assert all(math.isfinite(float(loss)) for _, loss in second_epoch)
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))


def test_two_process_cpu_ddp_distillation(runs):
    root = runs['root']
    work_dir = osp.join(root, 'ddp')
    result = run_tool([
        '-m', 'torch.distributed.run', '--nproc_per_node=2',
        '--master_port=29517',
        tool('train.py'), runs['distill_cfg'], '--work-dir', work_dir,
        '--launcher', 'pytorch'
    ],
                      cwd=root)
    assert result.returncode == 0, _tail(result)
    log = _log_text(work_dir)
    assert 'Distributed launcher: pytorch' in log or 'world_size: 2' in log
    # 12 images, 2 per process, 2 processes -> 3 iterations per epoch
    assert re.search(r'Epoch\(train\)\s+\[1\]\[3/3\]', log)
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))


def _uet_log_lines(log: str):
    """(epoch, iteration, {key: value}) for every training log line."""
    lines = []
    for match in re.finditer(r'Epoch\(train\)\s+\[(\d+)\]\[\s*(\d+)/\d+\](.*)',
                             log):
        values = dict((key, float(value)) for key, value in re.findall(
            r'(uet/[\w/]+): ([-\d.e]+)', match.group(3)))
        lines.append((int(match.group(1)), int(match.group(2)), values))
    return lines


def test_uet_hook_warm_up_stop_epoch_and_statistics_in_the_log(runs):
    root = runs['root']
    config = write_test_config(
        osp.join(root, 'fgd_uet.py'),
        'uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py',
        runs['data'],
        extra=f"""model = dict(teacher_ckpt={runs['teacher_ckpt']!r},
             distiller=dict(uet=dict(mode='both')))
train_cfg = dict(max_epochs=2, val_interval=2)
log_processor = dict(window_size=1)
custom_hooks = [dict(type='UETHook', start_iter=2, stop_epoch=1)]
""")
    _train(config, osp.join(root, 'fgd_uet'))
    lines = _uet_log_lines(_log_text(osp.join(root, 'fgd_uet')))
    assert len(lines) == 12  # 6 iterations per epoch, 2 epochs
    active = [(epoch, it) for epoch, it, values in lines
              if values['uet/active'] == 1.0]
    # iterations 0-1 warm up, epoch 2 (index 1) is past stop_epoch
    assert active == [(1, it) for it in range(3, 7)]
    for epoch, it, values in lines:
        if (epoch, it) in active:
            for level in range(5):
                prefix = f'uet/fgd_fpn{level}'
                assert values[f'{prefix}/entropy'] > 0
                assert 0.5 < values[f'{prefix}/norm_ratio'] < 1.5
                assert 0 <= values[f'{prefix}/downweighted'] < 1
            assert values['uet/rate_factor'] == 1.0
    # UET adds nothing to the student: it exports to the plain detector
    student_ckpt = osp.join(root, 'fgd_uet_student.pth')
    result = run_tool([
        tool('model_converters/extract_student.py'),
        osp.join(root, 'fgd_uet', 'epoch_2.pth'), student_ckpt
    ],
                      cwd=root)
    assert result.returncode == 0, _tail(result)
    student = build_detector_from_config(runs['student_cfg'])
    student.load_state_dict(
        torch.load(student_ckpt, weights_only=True)['state_dict'], strict=True)


def test_bad_uet_settings_stop_the_tools_with_one_line(runs):
    root = runs['root']
    cases = {
        'k0': ('num_samples=0',
               r'^error: model\.distiller\.uet\.num_samples: K, the number '
               r'of MC-dropout samples, must be an integer >= 1'),
        'head':
        ("head='nek'", r"uet\.head: 'nek' is not a submodule of the teacher"),
    }
    for name, (setting, message) in cases.items():
        config = write_test_config(
            osp.join(root, f'bad_uet_{name}.py'),
            'uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py',
            runs['data'],
            extra=f"model = dict(teacher_ckpt={runs['teacher_ckpt']!r}, "
            f"distiller=dict(uet=dict({setting})))")
        result = run_tool([
            tool('train.py'), config, '--work-dir',
            osp.join(root, f'bad_uet_{name}')
        ],
                          cwd=root)
        assert result.returncode == 2, _tail(result)
        errors = [
            line for line in result.stderr.splitlines()
            if line.startswith('error:')
        ]
        assert len(errors) == 1 and re.search(message,
                                              errors[0]), _tail(result)
        assert 'Traceback' not in result.stderr
