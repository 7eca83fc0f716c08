# Copyright (c) uet_mmdet authors. All rights reserved.
"""Does the teacher's uncertainty mark where the teacher is wrong?

For every estimator and measure, and for baselines, a map per FPN level is
compared with the teacher's own error at each location of that level
(:func:`~uet_mmdet.analysis.teacher_error.anchor_head_errors` on the clean
ground truth): AUROC of the map predicting the locations of largest error,
and Spearman correlation of map and error, over all locations of the images.
"""
import contextlib
import dataclasses
import os.path as osp
import sys
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from torch import Tensor, nn

from uet_mmdet.models.losses import UETLoss
from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import sigmoid_predictive_entropy
from uet_mmdet.utils import build_model_without_weights
from .calibration_metrics import auroc, calibration_scores, spearman
from .teacher_error import anchor_head_errors

LOGIT_MEASURES = ('mutual_information', 'entropy')
# maps that any estimator must beat, and the teacher's own confidence
BASELINES = ('energy', 'random', 'output_entropy')
ERRORS = ('cls', 'box')


class MapSource(NamedTuple):
    """A map to score: an estimator (``level``, ``measure``, optionally
    more samples per dropout rate) or a baseline (``level`` is None,
    ``measure`` names it)."""
    level: Optional[str]
    measure: str
    samples_per_rate: int = 1

    @property
    def name(self) -> str:
        if self.level is None:
            return self.measure
        name = f'{self.level} / {self.measure}'
        return name if self.samples_per_rate == 1 else (
            f'{name} x{self.samples_per_rate}')

    @classmethod
    def parse(cls, text: str) -> 'MapSource':
        """``LEVEL/MEASURE``, ``LEVEL/MEASURE@S`` (S samples per rate) or a
        baseline name."""
        text, _, samples = text.partition('@')
        level, _, measure = text.rpartition('/')
        return cls(level or None, measure, int(samples) if samples else 1)


def default_sources(settings) -> List[MapSource]:
    """Every registered estimator with every measure it offers (logit
    measures at module level only when the module is the head), then the
    baselines."""
    sources = []
    for level in sorted(ESTIMATORS.module_dict):
        for measure in ESTIMATORS.get(level).measures:
            if (level == 'module' and measure in LOGIT_MEASURES
                    and settings.module != settings.head):
                continue
            sources.append(MapSource(level, measure))
    return sources + [MapSource(None, name) for name in BASELINES]


def boxes_follow_image(dataset_cfg: dict) -> dict:
    """Load annotations right after the image, so resizes and flips move the
    boxes too (test pipelines load them last, in original coordinates)."""
    dataset_cfg = dict(dataset_cfg)
    if 'dataset' in dataset_cfg:
        dataset_cfg['dataset'] = boxes_follow_image(dataset_cfg['dataset'])
    pipeline = list(dataset_cfg.get('pipeline') or [])
    annotations = [t for t in pipeline if t['type'] == 'LoadAnnotations']
    others = [t for t in pipeline if t['type'] != 'LoadAnnotations']
    if annotations and others:
        dataset_cfg['pipeline'] = others[:1] + annotations + others[1:]
    return dataset_cfg


def build_dataset(cfg: Config, split: str, ann_file: Optional[str] = None):
    """The ``<split>_dataloader`` dataset with the test pipeline (no random
    augmentation), boxes in resized coordinates, ``ann_file`` replacing its
    annotations (e.g. the clean train annotations)."""
    from mmdet.registry import DATASETS

    dataset_cfg = cfg[f'{split}_dataloader']['dataset'].to_dict()
    dataset_cfg['pipeline'] = cfg.test_dataloader.dataset.pipeline
    dataset_cfg['test_mode'] = False
    if ann_file is not None:  # a path from here, not from the data root
        dataset_cfg['ann_file'] = osp.abspath(ann_file)
    with DefaultScope.overwrite_default_scope('mmdet'), \
            contextlib.redirect_stdout(sys.stderr):
        return DATASETS.build(boxes_follow_image(dataset_cfg))


def build_model(cfg: Config, level: str, checkpoint: str) -> nn.Module:
    """The distillation model with estimator ``level`` and the teacher's
    weights, in eval mode."""
    cfg = cfg.copy()
    cfg.model.distiller.uet.level = level
    cfg.model.distiller.uet.measure = ESTIMATORS.get(level).measures[0]
    model = build_model_without_weights(cfg)
    load_checkpoint(model.teacher, checkpoint, map_location='cpu',
                    strict=True, logger='silent')
    model.eval()
    return model


def distilled_records(distiller: nn.Module) -> List[str]:
    """Teacher recorders of the UET-wrapped losses, one per FPN level, in
    level order (``uet.outputs``)."""
    names = []
    for name, mappings in distiller.loss_forward_mappings.items():
        loss = distiller.distill_losses[name]
        if isinstance(loss, UETLoss):
            names.append(mappings[loss.teacher_arg]['recorder'])
    outputs = distiller.uet.outputs
    missing = [name for name in names if name not in outputs]
    if missing:
        raise ValueError(f'uet.outputs gives no FPN level for {missing}')
    return sorted(dict.fromkeys(names), key=lambda name: outputs[name])


class Collector:
    """Per level, the maps of every source and the errors, over images."""

    def __init__(self) -> None:
        self.maps: Dict[str, Dict[int, List[Tensor]]] = {}
        self.errors: Dict[str, Dict[int, List[Tensor]]] = {}
        self.labels: Dict[int, List[Tensor]] = {}

    def add(self, store: dict, key: str, level: int, value: Tensor) -> None:
        store.setdefault(key, {}).setdefault(level, []).append(
            value.detach().float().flatten().cpu())

    def scores(self, top_fraction: float) -> Dict[str, Dict[str, list]]:
        """``{source: {error kind: [per-level score dicts]}}``; NaN scores
        where a level has fewer than 10 locations with a defined error (e.g.
        no positive anchor for the box error)."""
        table = {}
        for source, by_level in self.maps.items():
            table[source] = {}
            for kind, errors in self.errors.items():
                table[source][kind] = [
                    _level_scores(torch.cat(by_level[level]),
                                  torch.cat(errors[level]), top_fraction)
                    for level in sorted(by_level)
                ]
        return table


def _level_scores(uncertainty: Tensor, error: Tensor,
                  top_fraction: float) -> dict:
    count = int((~error.isnan()).sum())
    if count < 10:
        return dict(auroc=float('nan'), spearman=float('nan'), count=count)
    return calibration_scores(uncertainty, error, top_fraction)


@torch.no_grad()
def teacher_pass(model: nn.Module, items: Sequence[dict],
                 records: Sequence[str]):
    """Run the teacher under the recorders on a batch; return the data
    samples, the FPN features in level order and the head outputs."""
    teacher, distiller = model.teacher, model.distiller
    data = teacher.data_preprocessor(pseudo_collate(list(items)), False)
    with distiller.teacher_recorders:
        teacher(data['inputs'], data['data_samples'], mode='loss')
    features = [distiller.get_record(name, False) for name in records]
    cls_scores, bbox_preds = teacher.bbox_head(tuple(features))[:2]
    return data['data_samples'], features, cls_scores, bbox_preds


def batches(dataset, num_images: int, batch_size: int) -> Iterable[list]:
    count = min(num_images, len(dataset))
    for start in range(0, count, batch_size):
        stop = min(count, start + batch_size)
        yield [dataset[i] for i in range(start, stop)]


def collect(cfg: Config, checkpoint: str, sources: Sequence[MapSource],
            dataset, num_images: int, batch_size: int = 8,
            seed: int = 0) -> Collector:
    """Score every source on the first ``num_images`` images."""
    collector = Collector()
    collector.maps = {source.name: {} for source in sources}  # table order
    levels = sorted({s.level for s in sources if s.level is not None})
    models = {level: build_model(cfg, level, checkpoint) for level in levels}
    reference = next(iter(models.values())) if models else build_model(
        cfg, 'feature', checkpoint)
    records = distilled_records(reference.distiller)
    generator = torch.Generator().manual_seed(seed)
    for level_model in models.values():
        level_model.distiller.estimator.manual_seed(seed)
    for items in batches(dataset, num_images, batch_size):
        samples, features, cls_scores, bbox_preds = teacher_pass(
            reference, items, records)
        errors = anchor_head_errors(
            reference.teacher.bbox_head, cls_scores, bbox_preds,
            [s.gt_instances for s in samples], [s.metainfo for s in samples])
        for level, error in enumerate(errors):
            for kind in ERRORS:
                collector.add(collector.errors, kind, level, error[kind])
            collector.labels.setdefault(level, []).append(
                error['label'].flatten().cpu())
            baselines = dict(
                energy=features[level].float().pow(2).mean(dim=1),
                random=torch.rand(error['cls'].shape, generator=generator),
                output_entropy=sigmoid_predictive_entropy(
                    cls_scores[level].unsqueeze(0)))
            for name, value in baselines.items():
                if MapSource(None, name) in sources:
                    collector.add(collector.maps, name, level, value)
        for level_name, level_model in models.items():
            if level_model is not reference:
                teacher_pass(level_model, items, records)
            estimator = level_model.distiller.estimator
            base = estimator.settings
            for source in sources:
                if source.level != level_name:
                    continue
                estimator.settings = dataclasses.replace(
                    base, measure=source.measure,
                    samples_per_rate=source.samples_per_rate)
                estimator.reset()
                for level, record in enumerate(records):
                    collector.add(collector.maps, source.name, level,
                                  estimator.estimate(record).uncertainty)
            estimator.settings = base
    return collector


def class_separation(collector: Collector,
                     class_index: int) -> Dict[str, list]:
    """Per source and level, the AUROC of the map ranking the locations
    assigned to class ``class_index`` above those of the other classes
    (background left out); NaN where a level lacks either.

    With a teacher taught that class wrongly, this asks whether the map
    marks exactly the knowledge that should not be copied.
    """
    table = {}
    for name, by_level in collector.maps.items():
        table[name] = []
        for level in sorted(by_level):
            labels = torch.cat(collector.labels[level])
            scores = torch.cat(by_level[level])[labels >= 0]
            chosen = labels[labels >= 0] == class_index
            table[name].append(
                auroc(scores, chosen) if 0 < int(chosen.sum()) < len(chosen)
                else float('nan'))
    return table


def agreement(collector: Collector, reference: str) -> Dict[str, list]:
    """Per level, the Spearman correlation of every source's map with the
    ``reference`` source's map, over all locations of all images."""
    maps = collector.maps[reference]
    return {
        name: [
            spearman(torch.cat(by_level[level]), torch.cat(maps[level]))
            for level in sorted(maps)
        ]
        for name, by_level in collector.maps.items() if name != reference
    }


def _mean(values: List[float]) -> float:
    values = [v for v in values if v == v]
    return sum(values) / len(values) if values else float('nan')


def summary_rows(scores: Dict[str, Dict[str, list]]) -> List[dict]:
    """One row per source: per-level classification AUROC, and the means
    over levels of AUROC and Spearman for both errors."""
    rows = []
    for source, by_kind in scores.items():
        row = dict(source=source)
        row['cls_auroc_levels'] = [s['auroc'] for s in by_kind['cls']]
        for kind in ERRORS:
            for metric in ('auroc', 'spearman'):
                row[f'{kind}_{metric}'] = _mean(
                    [s[metric] for s in by_kind[kind]])
        rows.append(row)
    return rows


def format_table(rows: List[dict], level_names: Sequence[str]) -> str:
    """The rows as a markdown table."""
    head = ' | '.join(f'cls AUROC {name}' for name in level_names)
    lines = [
        f'| map | {head} | cls AUROC | cls Spearman | box AUROC | '
        'box Spearman |', '|---' * (len(level_names) + 5) + '|'
    ]
    for row in rows:
        cells = [f'{v:.3f}' for v in row['cls_auroc_levels']] + [
            f'{row[key]:.3f}' for key in ('cls_auroc', 'cls_spearman',
                                          'box_auroc', 'box_spearman')
        ]
        lines.append(f'| {row["source"]} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


__all__ = [
    'BASELINES', 'Collector', 'MapSource', 'agreement', 'boxes_follow_image',
    'class_separation',
    'build_dataset', 'collect', 'default_sources', 'format_table',
    'summary_rows'
]
