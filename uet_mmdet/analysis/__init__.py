# Copyright (c) uet_mmdet authors. All rights reserved.
"""ANALYSIS: the teacher's own error per location and how well an uncertainty
map predicts it (rank-based calibration metrics)."""
from .calibration_metrics import (auroc, average_ranks, calibration_scores,
                                  spearman, top_fraction)
from .teacher_error import anchor_head_errors
from .uncertainty_calibration import (BASELINES, MapSource, collect,
                                      default_sources, format_table,
                                      summary_rows)

__all__ = [
    'BASELINES', 'MapSource', 'anchor_head_errors', 'auroc',
    'average_ranks', 'calibration_scores', 'collect', 'default_sources',
    'format_table', 'spearman', 'summary_rows', 'top_fraction'
]
