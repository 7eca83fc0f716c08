# Copyright (c) uet_mmdet authors. All rights reserved.
"""tools/analysis_tools/benchmark_uet_speed.py: the table and its errors."""
import json

from uet_mmdet.registry import ESTIMATORS
from ..helpers import run_tool, tool


def test_benchmark_uet_speed_reports_every_level(tmp_path):
    out = tmp_path / 'speed.json'
    args = [
        tool('analysis_tools/benchmark_uet_speed.py'), '--device', 'cpu',
        '--batch-size', '1', '--img-size', '64', '--iters', '1', '--warmup',
        '1', '--rounds', '1', '--samples', '2', '--out',
        str(out)
    ]
    result = run_tool(args, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [
        line for line in result.stdout.splitlines() if line.startswith('| ')
    ]
    assert rows[0].startswith('| variant | level | K | median s/iter |')
    levels = sorted(ESTIMATORS.module_dict)
    assert [row.split(' | ')[:3] for row in rows[1:]
            ] == [['| host', '-', '-']] + [[f'| uet-{level}-K2', level, '2']
                                           for level in levels]
    assert len(levels) >= 5
    results = json.loads(out.read_text())['results']
    assert results[0]['ratio'] == 1.0
    assert all(row['median_s'] > 0 and row['peak_mib'] > 0 for row in results)


def test_bad_input_is_one_error_line(tmp_path):
    script = tool('analysis_tools/benchmark_uet_speed.py')
    missing = run_tool([script, '--config', 'missing.py'], cwd=str(tmp_path))
    assert missing.returncode == 2
    assert missing.stderr.strip() == 'error: config file not found: missing.py'
