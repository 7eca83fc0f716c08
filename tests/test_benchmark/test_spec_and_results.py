# Copyright (c) uet_mmdet authors. All rights reserved.
import csv
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from uet_mmdet.benchmark import (BenchmarkSpec, Run, SpecError,
                                 compose_run_config, markdown_table,
                                 rows_from_results, write_chart, write_csv)
from ..helpers import CONFIGS, run_tool, tool

SPECS = sorted(glob.glob(osp.join(CONFIGS, 'benchmarks', '*.py')))


def _metrics(ap):
    keys = ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m')
    # COCO's -1: no large object in the val set
    return dict({f'coco/bbox_{key}': ap / 100
                 for key in keys}, **{'coco/bbox_mAP_l': -1.0})


def test_plan_trains_the_teacher_once_then_every_seed():
    spec = BenchmarkSpec.from_file(
        osp.join(CONFIGS, 'benchmarks', 'demo_fgd_pkd_uet.py'))
    runs = spec.plan('/w')
    assert [(run.name, run.seed) for run in runs[:3]] == [('teacher', None),
                                                          ('student', 0),
                                                          ('FGD', 0)]
    assert len(runs) == 1 + 3 * 5
    assert all(run.cfg_options['randomness.seed'] == run.seed
               for run in runs[1:])
    assert [run.distill for run in runs[1:6]] == [False] + [True] * 4
    assert len({run.work_dir for run in runs}) == len(runs)
    assert osp.isfile(runs[2].config)
    # the data for every run, the long schedule for the teacher only
    assert [osp.basename(path) for path in runs[0].overrides
            ] == ['uet_demo_mini_detection.py', 'schedule_demo_16e.py']
    assert all([osp.basename(path) for path in run.overrides] ==
               ['uet_demo_mini_detection.py', 'schedule_demo_4e.py']
               for run in runs[1:])
    assert spec.prepare[0][0] == 'tools/misc/generate_demo_data.py'
    # the PKD spec is the FGD one plus two methods, in the same work dir
    fgd_only = BenchmarkSpec.from_file(
        osp.join(CONFIGS, 'benchmarks', 'demo_fgd_uet.py'))
    assert [method.name for method in fgd_only.methods] == ['FGD', 'FGD+UET']
    assert fgd_only.name == spec.name
    assert [run.work_dir for run in fgd_only.plan('/w')
            ] == [run.work_dir for run in runs if 'PKD' not in run.name]


def test_run_config_merges_data_schedule_options_and_teacher():
    spec = BenchmarkSpec.from_file(
        osp.join(CONFIGS, 'benchmarks', 'demo_fgd_uet.py'))
    teacher, _, fgd = spec.plan('/w')[:3]
    cfg = compose_run_config(teacher)
    assert cfg.train_cfg.max_epochs == 16
    assert cfg.param_scheduler[1]['T_max'] == 16
    assert cfg.train_dataloader.dataset.data_root == 'data/uet_demo_mini/'
    assert cfg.test_dataloader.dataset.pipeline[1]['scale'] == (96, 96)
    cfg = compose_run_config(fgd, '/w/teacher/epoch_16.pth')
    assert cfg.train_cfg.max_epochs == 4
    assert cfg.param_scheduler[1]['T_max'] == 4
    assert cfg.randomness.seed == 0
    assert cfg.model.teacher_ckpt == '/w/teacher/epoch_16.pth'
    assert cfg.model.type == 'SingleTeacherDistill'
    # without a teacher checkpoint the config's own one stays
    assert compose_run_config(fgd).model.teacher_ckpt == (
        'work_dirs/demo/teacher_r50/epoch_16.pth')


def test_run_config_points_every_teacher_reference_at_the_new_teacher():
    config = osp.join(CONFIGS, 'fgd', 'fgd_fpn_gfl_r101_gfl_r50_1x_coco.py')
    run = Run(
        'FGD',
        config,
        '/w/fgd',
        0,
        distill=True,
        cfg_options={'train_cfg.max_epochs': 1})
    old = Config.fromfile(config).model.teacher_ckpt
    cfg = compose_run_config(run, '/w/teacher/epoch_24.pth')
    # the student's neck and head start from model.teacher_ckpt
    assert cfg.model.teacher_ckpt == '/w/teacher/epoch_24.pth'
    assert old not in cfg.pretty_text
    assert cfg.model.architecture.backbone.init_cfg.checkpoint.endswith(
        'resnet50-0676ba61.pth')
    assert cfg.train_cfg.max_epochs == 1


def test_bad_spec_fails_with_a_message(tmp_path):
    spec = tmp_path / 'bad.py'
    spec.write_text("teacher = dict(config='nope.py')\nstudent = dict("
                    "config='nope.py')\nmethods = []\nseeds = [0]\n")
    with pytest.raises(SpecError, match='teacher config not found'):
        BenchmarkSpec.from_file(str(spec))
    spec.write_text("teacher = dict(config='x.py')\n")
    with pytest.raises(SpecError, match='missing'):
        BenchmarkSpec.from_file(str(spec))
    demo = osp.join(CONFIGS, 'demo', 'retinanet_r18_fpn_demo.py')
    spec.write_text(f"teacher = dict(config={demo!r})\nstudent = dict("
                    f"config={demo!r})\nmethods = []\nseeds = [0]\n"
                    "schedule = 'no_schedule.py'\n")
    with pytest.raises(SpecError, match='schedule not found'):
        BenchmarkSpec.from_file(str(spec))
    spec.write_text(f"teacher = dict(config={demo!r})\nstudent = dict("
                    f"config={demo!r})\nmethods = [dict(name='A', config="
                    f"{demo!r})]\nseeds = [0]\ncompare = [['A', 'B']]\n")
    with pytest.raises(
            SpecError,
            match=r"compare \['A', 'B'\] is not a "
            r"pair of rows \(rows: \['student', 'A'\]\)"):
        BenchmarkSpec.from_file(str(spec))


def test_tables_give_mean_std_and_delta(tmp_path):
    results = {
        'teacher':
        [dict(metrics=_metrics(20), sec_per_iter=1.0, peak_mib=100)],
        'student': [
            dict(metrics=_metrics(v), sec_per_iter=0.5, peak_mib=50)
            for v in (10, 12)
        ],
        'FGD': [
            dict(metrics=_metrics(v), sec_per_iter=0.7, peak_mib=60)
            for v in (13, 15)
        ],
    }
    rows = rows_from_results(['teacher', 'student', 'FGD', 'UET'], results,
                             dict(FGD=43.5))
    assert [row['name'] for row in rows] == ['teacher', 'student', 'FGD']
    table = markdown_table(rows)
    header, rule = table.splitlines()[:2]
    assert header.count('|') == rule.count('|') == 13
    assert '| FGD | 2 | 14.0 ± 1.4 |' in table
    assert '| 14.0 ± 1.4 | - | +3.0 |' in table  # APl could not be measured
    assert '| +3.0 | 43.5 | 0.70 | 60 |' in table
    assert '| teacher | 1 | 20.0 |' in table
    write_csv(rows, str(tmp_path / 'r.csv'))
    with open(tmp_path / 'r.csv') as f:
        csv_rows = list(csv.DictReader(f))
    assert [row['name'] for row in csv_rows] == ['teacher', 'student', 'FGD']
    assert csv_rows[2]['bbox_mAP'] == '14.0'
    assert csv_rows[2]['bbox_mAP_std'] == '1.4142'
    assert csv_rows[2]['bbox_mAP_l'] == ''
    write_chart(rows, str(tmp_path / 'r.png'), 'test')
    assert (tmp_path / 'r.png').read_bytes()[:4] == b'\x89PNG'


@pytest.mark.slow
@pytest.mark.parametrize('spec', SPECS, ids=osp.basename)
def test_every_shipped_spec_passes_the_dry_run(spec, tmp_path):
    result = run_tool([tool('reproduce.py'), spec, '--dry-run'],
                      cwd=str(tmp_path))
    output = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    assert 'FAIL' not in result.stdout
    assert result.stdout.count('OK ') >= 3
