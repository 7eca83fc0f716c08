# Copyright (c) uet_mmdet authors. All rights reserved.
"""tools/reproduce.py end to end on tiny data, then resumed."""
import os.path as osp

import pytest

from ..helpers import run_tool, tool, write_test_config

pytestmark = pytest.mark.slow


def test_reproduce_trains_evaluates_tabulates_and_resumes(
        tmp_path, demo_data):
    root = str(tmp_path)
    configs = {
        name: write_test_config(osp.join(root, f'{name}.py'), base,
                                demo_data)
        for name, base in (
            ('teacher', 'demo/retinanet_r50_fpn_demo.py'),
            ('student', 'demo/retinanet_r18_fpn_demo.py'),
            ('uet', 'uet/fgd_uet_fpn_retinanet_r50_retinanet_r18_demo.py'))
    }
    spec = osp.join(root, 'spec.py')
    with open(spec, 'w') as f:
        f.write(f"""name = 'tiny'
teacher = dict(config={configs['teacher']!r})
student = dict(config={configs['student']!r}, published=1.0)
methods = [dict(name='FGD+UET', config={configs['uet']!r})]
seeds = [0]
""")
    work_dir = osp.join(root, 'bench')
    args = [tool('reproduce.py'), spec, '--work-dir', work_dir]
    first = run_tool(args, cwd=root, timeout=900)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert '[1/3] teacher: running' in first.stdout
    assert '[3/3] FGD+UET seed 0: running (ETA' in first.stdout
    table = open(osp.join(work_dir, 'results.md')).read()
    for row in ('| teacher | 1 |', '| student | 1 |', '| FGD+UET | 1 |'):
        assert row in table
    assert osp.isfile(osp.join(work_dir, 'results.csv'))
    assert osp.isfile(osp.join(work_dir, 'results.png'))
    # the same command again: every run is skipped, same table
    again = run_tool(args, cwd=root)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count(': done') == 3
    assert open(osp.join(work_dir, 'results.md')).read() == table
