# Copyright (c) uet_mmdet authors. All rights reserved.
"""The reproduction pipeline: spec -> runs -> tables (md, csv, PNG).

Knows no model internals: runs go through tools/train.py and tools/test.py.
"""
from .results import (markdown_table, rows_from_results, summarize,
                      write_chart, write_csv)
from .run_config import compose_run_config
from .spec import BenchmarkSpec, Method, Run, SpecError

__all__ = [
    'BenchmarkSpec', 'Method', 'Run', 'SpecError', 'compose_run_config',
    'markdown_table', 'rows_from_results', 'summarize', 'write_chart',
    'write_csv'
]
