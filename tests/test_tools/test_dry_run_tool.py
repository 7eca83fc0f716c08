# Copyright (c) uet_mmdet authors. All rights reserved.
import os.path as osp

from ..helpers import CONFIGS, run_tool, tool


def test_dry_run_tool_reports_each_config(tmp_path):
    good = osp.join(CONFIGS, 'fgd',
                    'fgd_fpn_retinanet_r50_retinanet_r18_demo.py')
    student = osp.join(CONFIGS, 'demo', 'retinanet_r18_fpn_demo.py')
    bad = tmp_path / 'bad.py'
    bad.write_text(f'_base_ = {student!r}\n'
                   "model = dict(neck=dict(type='NoSuchNeck'))\n")
    result = run_tool([tool('analysis_tools/dry_run.py'), good,
                       str(bad)],
                      cwd=str(tmp_path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f'OK   {good}: loss ')
    assert '(20 distillation terms)' in lines[0]
    assert any(line == f'FAIL {bad}' for line in lines)
    assert 'NoSuchNeck' in result.stdout
