# Copyright (c) uet_mmdet authors. All rights reserved.
"""The reproduction pipeline: spec -> runs -> tables (md, csv, PNG).

Knows no model internals: runs go through tools/train.py and tools/test.py.
"""
from .execute import RunFailed, execute_run, read_result, run_tool
from .launch import LAUNCHERS, Launch, visible_devices
from .paired import (bootstrap_interval, metric_table, paired_differences,
                     paired_row, paired_table)
from .results import (markdown_table, rows_from_results, summarize,
                      write_chart, write_csv)
from .run_config import compose_run_config
from .scheduler import Outcome, run_plan
from .spec import BenchmarkSpec, Method, Run, SpecError
from .teacher_path import use_teacher_checkpoint

__all__ = [
    'BenchmarkSpec', 'bootstrap_interval', 'compose_run_config', 'execute_run',
    'Launch', 'LAUNCHERS', 'markdown_table', 'Method', 'metric_table',
    'Outcome', 'paired_differences', 'paired_row', 'paired_table',
    'read_result', 'rows_from_results', 'Run', 'run_plan', 'run_tool',
    'RunFailed', 'SpecError', 'summarize', 'use_teacher_checkpoint',
    'visible_devices', 'write_chart', 'write_csv'
]
