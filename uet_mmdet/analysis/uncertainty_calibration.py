# Copyright (c) uet_mmdet authors. All rights reserved.
"""Does the teacher's uncertainty mark where the teacher is wrong?

For every estimator and measure, and for baselines, a map per FPN level is
compared with the teacher's own error at each location of that level
(:func:`~uet_mmdet.analysis.teacher_error.anchor_head_errors` on the clean
ground truth): AUROC of the map predicting the locations of largest error,
and Spearman correlation of map and error, over all locations of the images.
"""
import contextlib
import os.path as osp
import sys
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from torch import Tensor, nn

from uet_mmdet.errors import ConfigError, UserInputError
from uet_mmdet.models.losses import UETLoss
from uet_mmdet.models.uet import UETConfigError, UETSettings
from uet_mmdet.registry import ESTIMATORS
from uet_mmdet.uncertainty import sigmoid_predictive_entropy
from .calibration_metrics import auroc, calibration_scores, spearman
from .teacher_error import anchor_head_errors
from .teacher_model import build_with_teacher

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
        """How the tables name the map, e.g. ``'head / entropy x20'``."""
        if self.level is None:
            return self.measure
        name = f'{self.level} / {self.measure}'
        return name if self.samples_per_rate == 1 else (
            f'{name} x{self.samples_per_rate}')

    @classmethod
    def parse(cls, text: str) -> 'MapSource':
        """``LEVEL/MEASURE``, ``LEVEL/MEASURE@S`` (S samples per rate) or a
        baseline name.

        Args:
            text (str): The source as the tool takes it.

        Returns:
            MapSource: The parsed source (the estimator's settings are
            checked when its model is built, see :func:`uet_settings`).

        Raises:
            UserInputError: ``S`` is not an integer >= 1, or a name without
                ``LEVEL/`` is not one of :data:`BASELINES`.
        """
        body, _, samples = text.partition('@')
        level, _, measure = body.rpartition('/')
        if not level and measure not in BASELINES:
            raise UserInputError(
                f'source {text!r} is neither LEVEL/MEASURE[@S] nor a '
                f'baseline ({list(BASELINES)})')
        if samples and not (samples.isdigit() and int(samples) >= 1):
            raise UserInputError(f'source {text!r}: S in LEVEL/MEASURE@S '
                                 f'must be an integer >= 1, got {samples!r}')
        return cls(level or None, measure, int(samples) if samples else 1)


def default_sources(settings: UETSettings) -> List[MapSource]:
    """Every registered estimator with every measure it offers (logit
    measures at module level only when the module is the head), then the
    baselines.

    Args:
        settings (UETSettings): The config's ``uet`` settings.

    Returns:
        list[MapSource]: The sources, estimators by level name.
    """
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


def uet_settings(cfg: Config, source: MapSource) -> dict:
    """The config's ``uet`` block with the estimator of ``source``: its
    ``level``, ``measure`` and ``samples_per_rate``.

    Args:
        cfg (Config): The host+UET config.
        source (MapSource): An estimator source (``level`` set).

    Returns:
        dict: The validated ``uet`` block.

    Raises:
        UserInputError: The config's settings with this estimator cannot
            work (e.g. a measure the level does not offer).
    """
    uet = dict(
        cfg.model.distiller.uet,
        level=source.level,
        measure=source.measure,
        samples_per_rate=source.samples_per_rate)
    try:
        UETSettings.from_config(uet)
    except UETConfigError as error:
        raise UserInputError(
            f'source {source.name!r}: {error.within("model.distiller")}'
        ) from None
    return uet


def build_model(cfg: Config,
                checkpoint: str,
                source: Optional[MapSource] = None) -> nn.Module:
    """The distillation model with the teacher's weights, in eval mode.

    Args:
        cfg (Config): The host+UET config.
        checkpoint (str): The teacher checkpoint.
        source (MapSource, optional): An estimator source whose settings
            (:func:`uet_settings`) replace the config's ``uet`` estimator.

    Returns:
        nn.Module: The model.
    """
    if source is not None:
        cfg = cfg.copy()
        cfg.model.distiller.uet = uet_settings(cfg, source)
    return build_with_teacher(cfg, checkpoint)


def wrapped_loss_records(distiller: nn.Module) -> Dict[str, str]:
    """The teacher recorder each UET-wrapped loss distils, in loss order.

    Args:
        distiller (nn.Module): A ``UETDistiller``.

    Returns:
        dict[str, str]: Loss name -> teacher recorder name.
    """
    records = {}
    for name, mappings in distiller.loss_forward_mappings.items():
        loss = distiller.distill_losses[name]
        if isinstance(loss, UETLoss):
            records[name] = mappings[loss.teacher_arg]['recorder']
    return records


def distilled_records(distiller: nn.Module) -> List[str]:
    """Teacher recorders of the UET-wrapped losses, one per FPN level, in
    level order (``uet.outputs``).

    Args:
        distiller (nn.Module): A ``UETDistiller``.

    Returns:
        list[str]: The recorder names.

    Raises:
        ConfigError: A recorder ``uet.outputs`` gives no level for.
    """
    names = list(dict.fromkeys(wrapped_loss_records(distiller).values()))
    outputs = distiller.uet.outputs
    missing = [name for name in names if name not in outputs]
    if missing:
        raise ConfigError(
            'model.distiller.uet.outputs', f'gives no FPN level for {missing}',
            'the calibration orders the distilled tensors by it')
    return sorted(names, key=lambda name: outputs[name])


class Collector:
    """Per level, the maps of every source and the errors, over images."""

    def __init__(self) -> None:
        self.maps: Dict[str, Dict[int, List[Tensor]]] = {}
        self.errors: Dict[str, Dict[int, List[Tensor]]] = {}
        self.labels: Dict[int, List[Tensor]] = {}

    def add(self, store: dict, key: str, level: int, value: Tensor) -> None:
        """Append ``value``, flattened on the CPU, to ``store[key][level]``.
        """
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
                    _level_scores(
                        torch.cat(by_level[level]), torch.cat(errors[level]),
                        top_fraction) for level in sorted(by_level)
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
    """The first ``num_images`` items of ``dataset`` in lists of
    ``batch_size``."""
    count = min(num_images, len(dataset))
    for start in range(0, count, batch_size):
        stop = min(count, start + batch_size)
        yield [dataset[i] for i in range(start, stop)]


def collect(cfg: Config,
            checkpoint: str,
            sources: Sequence[MapSource],
            dataset,
            num_images: int,
            batch_size: int = 8,
            seed: int = 0) -> Collector:
    """Score every source on the first ``num_images`` images.

    Each estimator source is a model built from the config with that
    estimator (:func:`uet_settings`); its dropout masks are one stream
    started from ``seed``, so its map does not depend on the other sources.

    Args:
        cfg (Config): The host+UET config.
        checkpoint (str): The teacher checkpoint.
        sources (Sequence[MapSource]): The maps to score.
        dataset: The images, from :func:`build_dataset`.
        num_images (int): How many images to score on.
        batch_size (int): Images per teacher pass.
        seed (int): Seed of the dropout masks and of the ``random`` map.

    Returns:
        Collector: Maps, errors and labels per level.

    Raises:
        UserInputError: A source whose settings cannot work with the
            config, or records the teacher head cannot score.
    """
    estimated = [source for source in sources if source.level is not None]
    for source in estimated:  # before any model is built or run
        uet_settings(cfg, source)
    collector = Collector()
    collector.maps = {source.name: {} for source in sources}  # table order
    reference = build_model(cfg, checkpoint)
    records = distilled_records(reference.distiller)
    generator = torch.Generator().manual_seed(seed)
    for items in batches(dataset, num_images, batch_size):
        samples, features, cls_scores, bbox_preds = teacher_pass(
            reference, items, records)
        errors = anchor_head_errors(reference.teacher.bbox_head, cls_scores,
                                    bbox_preds,
                                    [s.gt_instances for s in samples],
                                    [s.metainfo for s in samples])
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
    del reference
    for source in estimated:  # one model at a time
        model = build_model(cfg, checkpoint, source)
        loss_of = {
            record: loss
            for loss, record in wrapped_loss_records(model.distiller).items()
        }
        for index, items in enumerate(
                batches(dataset, num_images, batch_size)):
            teacher_pass(model, items, records)
            estimates = model.distiller.uet_estimates(
                seed=seed if index == 0 else None)
            for level, record in enumerate(records):
                collector.add(collector.maps, source.name, level,
                              estimates[loss_of[record]].uncertainty)
        del model
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
                auroc(scores, chosen)
                if 0 < int(chosen.sum()) < len(chosen) else float('nan'))
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
    'build_dataset', 'build_model', 'class_separation', 'collect',
    'default_sources', 'distilled_records', 'format_table', 'summary_rows',
    'uet_settings', 'wrapped_loss_records'
]
