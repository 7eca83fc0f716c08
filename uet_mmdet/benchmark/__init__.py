# Copyright (c) uet_mmdet authors. All rights reserved.
"""The reproduction pipeline: spec -> runs -> tables (md, csv, PNG).

Knows no model internals: runs go through tools/train.py and tools/test.py.
"""
from .paired import (bootstrap_interval, metric_table, paired_differences,
                     paired_row, paired_table)
from .results import (markdown_table, rows_from_results, summarize,
                      write_chart, write_csv)
from .run_config import compose_run_config
from .spec import BenchmarkSpec, Method, Run, SpecError

__all__ = [
    'BenchmarkSpec', 'bootstrap_interval', 'compose_run_config',
    'markdown_table', 'Method', 'metric_table', 'paired_differences',
    'paired_row', 'paired_table', 'rows_from_results', 'Run', 'SpecError',
    'summarize', 'write_chart', 'write_csv'
]
