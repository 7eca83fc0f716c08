# Copyright (c) uet_mmdet authors. All rights reserved.
"""ANALYSIS: the teacher's own error per location and how well an uncertainty
map predicts it (rank-based calibration metrics), the uncertainty maps of a
UET config drawn per image, and the speed of host+UET against the host."""
from .calibration_metrics import (auroc, average_ranks, calibration_scores,
                                  spearman, top_fraction)
from .cpu_memory import cpu_peak_bytes
from .teacher_error import anchor_head_errors
from .teacher_model import build_with_teacher
from .uet_speed import (TARGETS, SpeedVariant, build_speed_variants,
                        format_speed_table, result_rows, time_variants,
                        variant_config)
from .uncertainty_calibration import (BASELINES, MapSource, agreement,
                                      build_dataset, class_separation, collect,
                                      default_sources, format_table,
                                      summary_rows)
from .uncertainty_figure import (draw_image_maps, map_on_image,
                                 write_uncertainty_pngs)
from .uncertainty_maps import (MAP_KINDS, ImageMaps, build_split_dataset,
                               display_image, image_maps, load_uet_model,
                               mean_correlations, record_names,
                               uet_loss_records)

__all__ = [
    'BASELINES', 'ImageMaps', 'MAP_KINDS', 'MapSource', 'SpeedVariant',
    'TARGETS', 'agreement', 'anchor_head_errors', 'auroc', 'average_ranks',
    'build_dataset', 'build_speed_variants', 'build_with_teacher',
    'build_split_dataset', 'calibration_scores', 'class_separation', 'collect',
    'cpu_peak_bytes', 'default_sources', 'display_image', 'draw_image_maps',
    'format_speed_table', 'format_table', 'image_maps', 'load_uet_model',
    'map_on_image', 'mean_correlations', 'record_names', 'result_rows',
    'spearman', 'summary_rows', 'time_variants', 'top_fraction',
    'uet_loss_records', 'variant_config', 'write_uncertainty_pngs'
]
