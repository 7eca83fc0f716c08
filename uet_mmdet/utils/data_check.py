# Copyright (c) uet_mmdet authors. All rights reserved.
"""Check the data a config trains or tests on, before the Runner is built.

Every COCO dataset of the chosen splits goes through
:func:`uet_mmdet.datasets.check_coco_dataset`; the student's and the
teacher's ``num_classes`` are compared with the dataset's classes.
:func:`drop_bad_samples` writes copies of the annotation files without the bad
images and points the config at them, so that samplers, epoch lengths and
iteration-based schedules are all sized to the data that is really used.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

from uet_mmdet.datasets import (REPORTED_ONLY, DataProblem, DatasetCheckError,
                                DatasetReport, check_coco_dataset,
                                class_count_problems, drop_images)
from uet_mmdet.engine.hooks.dataset_check_hook import coco_instances_class
from .config_paths import dataset_nodes, in_data_root, is_local
from .dataset_classes import (class_count_keys, entry_config, entry_model,
                              model_entries, setting_name)

SPLIT_DATALOADERS = {
    'train': 'train_dataloader',
    'val': 'val_dataloader',
    'test': 'test_dataloader'
}
_EVALUATORS = {'val': 'val_evaluator', 'test': 'test_evaluator'}
_LISTED = 5


@dataclass
class DataSource:
    """One COCO dataset of a config: where it is set and what it reads."""
    split: str
    key: str
    ann_file: str
    img_dir: str
    classes: Optional[Tuple[str, ...]]
    filter_empty_gt: bool
    # other dataloaders reading the same files (test often is val)
    shared: List[str] = field(default_factory=list)
    # the dataset dicts of the config that read these files (val and test
    # often share one); drop_bad_samples rewrites them all
    nodes: List[dict] = field(default_factory=list, repr=False)


@dataclass
class DataCheck:
    """The outcome of :func:`check_config_data`."""
    sources: List[DataSource]
    reports: List[DatasetReport]
    problems: List[DataProblem]  # the models' num_classes
    notes: List[str]

    @property
    def num_problems(self) -> int:
        """Problems of the data and of the models, reported-only ones
        included."""
        return len(self.problems) + sum(len(r.problems) for r in self.reports)

    @property
    def num_refusing(self) -> int:
        """Problems that break or corrupt training: all but the box
        problems mmdet copes with (:data:`REPORTED_ONLY`)."""
        return len(self.problems) + sum(problem.kind not in REPORTED_ONLY
                                        for report in self.reports
                                        for problem in report.problems)

    def lines(self, limit: Optional[int] = None) -> List[str]:
        """A summary per dataset, then its problems (``limit`` of each)."""
        lines = []
        for source, report in zip(self.sources, self.reports):
            empty = ('dropped from training by filter_cfg.filter_empty_gt'
                     if source.filter_empty_gt else 'used as background')
            keys = ', '.join([source.key] + source.shared)
            lines.append(f'{source.split} ({keys}): {source.ann_file}, '
                         f'images in {source.img_dir}')
            lines.append(f'  {report.summary()}; empty images are {empty}')
            lines += _listed(report.problems, limit)
        if self.problems:
            lines.append('model:')
            lines += _listed(self.problems, limit)
        lines += [f'note: {note}' for note in self.notes]
        return lines


def _listed(problems: List[DataProblem], limit: Optional[int]) -> List[str]:
    shown = problems if limit is None else problems[:limit]
    lines = [f'  {problem.line()}' for problem in shown]
    if len(problems) > len(shown):
        lines.append(f'  ... and {len(problems) - len(shown)} more')
    return lines


def _dataset_class(dataset_type: Any):
    if not isinstance(dataset_type, str):
        return dataset_type
    from mmdet.registry import DATASETS

    from .setup_env import register_all_modules
    register_all_modules(init_default_scope=False)
    return DATASETS.get(dataset_type)


def _default_classes(dataset_type: Any) -> Optional[Tuple[str, ...]]:
    """The ``METAINFO`` classes of a registered dataset type."""
    classes = getattr(_dataset_class(dataset_type), 'METAINFO',
                      {}).get('classes')
    return tuple(classes) if classes else None


def reads_coco_instances(dataset_type: Any) -> bool:
    """Whether a dataset type reads its json as mmdet's ``CocoDataset``
    does (LVIS, panoptic and other formats override how).

    Args:
        dataset_type (str | type): A registered dataset name or class.

    Returns:
        bool: See :func:`~uet_mmdet.engine.hooks.dataset_check_hook.
        coco_instances_class`.
    """
    return coco_instances_class(_dataset_class(dataset_type))


def data_sources(cfg: Config,
                 splits: Sequence[str]) -> Tuple[List[DataSource], List[str]]:
    """The COCO datasets of ``splits``, each file pair once, and notes on
    the datasets that cannot be checked."""
    sources: Dict[Tuple[str, str], DataSource] = {}
    notes = []
    for split in splits:
        loader = cfg.get(SPLIT_DATALOADERS[split])
        if not loader:
            continue
        for key, node in dataset_nodes(loader['dataset'],
                                       f'{SPLIT_DATALOADERS[split]}.dataset'):
            data_root = node.get('data_root')
            ann_file = node.get('ann_file') or ''
            img_prefix = (node.get('data_prefix') or {}).get('img')
            ann_file = in_data_root(data_root, ann_file)
            img_dir = (
                in_data_root(data_root, img_prefix)
                if img_prefix else data_root or '')
            if (not ann_file.endswith('.json') or img_prefix is None
                    or not is_local(ann_file) or not is_local(img_dir)):
                notes.append(f'{key} not checked: not a local COCO json with '
                             'a local data_prefix.img')
                continue
            if not reads_coco_instances(node.get('type')):
                notes.append(f'{key} not checked: {node.get("type")} does '
                             "not read its json as mmdet's CocoDataset")
                continue
            pair = (osp.abspath(ann_file), osp.abspath(img_dir))
            if pair in sources:
                sources[pair].shared.append(key)
                sources[pair].nodes.append(node)
                continue
            classes = (node.get('metainfo') or {}).get('classes')
            classes = (
                tuple(classes) if classes else _default_classes(
                    node.get('type')))
            if classes is None:
                notes.append(f'{key}: no classes known; categories not '
                             'checked against them')
            sources[pair] = DataSource(
                split,
                key,
                ann_file,
                img_dir,
                classes,
                bool((node.get('filter_cfg') or {}).get('filter_empty_gt')),
                nodes=[node])
    return list(sources.values()), notes


def _detector_config(node: dict) -> Tuple[dict, str]:
    """The detector dict a model entry stands for, and the prefix of its
    settings' names."""
    config = entry_config(node)
    if config is None:
        return node, '.'
    key = 'cfg_path' if 'cfg_path' in node else 'config'
    return entry_model(node), f'.{key} ({config}): model.'


def model_num_classes(cfg: Config) -> Tuple[Dict[str, int], List[str]]:
    """``num_classes`` of the student's and the teacher's heads, keyed by
    where each is set, and notes on models that could not be read."""
    heads, notes = {}, []
    for where, node in model_entries(cfg):
        try:
            detector, source = _detector_config(node)
        except Exception as error:  # the check goes on without this model
            notes.append(f'{where}: classes not checked, its config does not '
                         f'load ({type(error).__name__}: {error})')
            continue
        found = {
            f'{where}{source}{setting_name(key)}': count
            for key, count in class_count_keys(detector).items()
        }
        if not found:
            notes.append(f'{where}: no head with num_classes; classes not '
                         'checked')
        heads.update(found)
    return heads, notes


def check_config_data(cfg: Config,
                      splits: Sequence[str] = ('train', 'val'),
                      tolerance: float = 1.0,
                      decode: bool = True,
                      num_workers: int = 1) -> DataCheck:
    """Check every COCO dataset of ``splits`` and the models' classes.

    Args:
        cfg (Config): The merged config.
        splits (Sequence[str]): Any of ``train``, ``val``, ``test``.
        tolerance (float): Pixels a box may reach outside its image.
        decode (bool): Decode every image, not only its header.
        num_workers (int): Threads that open images.

    Returns:
        DataCheck: A report per dataset and the ``num_classes`` problems.
    """
    unknown = set(splits) - set(SPLIT_DATALOADERS)
    if unknown:
        raise ValueError(f'unknown splits {sorted(unknown)}; choose from '
                         f'{list(SPLIT_DATALOADERS)}')
    sources, notes = data_sources(cfg, splits)
    reports = [
        check_coco_dataset(source.ann_file, source.img_dir, source.classes,
                           tolerance, decode, num_workers)
        for source in sources
    ]
    problems: List[DataProblem] = []
    class_counts = {len(s.classes) for s in sources if s.classes}
    if class_counts:
        heads, model_notes = model_num_classes(cfg)
        notes += model_notes
        for count in sorted(class_counts):
            problems += class_count_problems(count, heads)
    return DataCheck(sources, reports, problems, notes)


def _write_json(path: str, payload: Any) -> None:
    tmp_path = f'{path}.{os.getpid()}.tmp'
    with open(tmp_path, 'w') as f:
        json.dump(payload, f, separators=(',', ':'))
    os.replace(tmp_path, path)


def _fatal_message(fatal: List[DataProblem]) -> str:
    lines = [
        f'{len(fatal)} dataset problems that dropping images cannot '
        'fix:'
    ] + _listed(fatal, _LISTED)
    return '\n'.join(lines)


def drop_bad_samples(cfg: Config, check: DataCheck, out_dir: str) -> List[str]:
    """Drop the images with problems from the data ``cfg`` reads.

    For every checked dataset with bad images (or annotations of no image),
    a copy of its annotation file without them is written to ``out_dir``
    beside a ``.problems.txt`` listing every problem, and the config's
    ``ann_file`` (and an evaluator's reading the same file) is pointed at
    it. Other files and datasets are left as they are.

    Args:
        cfg (Config): The config :func:`check_config_data` checked; changed
            in place.
        check (DataCheck): Its result.
        out_dir (str): Where the copies go (created).

    Returns:
        list[str]: One line per dataset: what was dropped, counted by kind.

    Raises:
        DatasetCheckError: A problem that is not one image's (classes,
            ``num_classes``, an unreadable annotation file).
    """
    fatal = check.problems + [p for r in check.reports for p in r.fatal]
    if fatal:
        raise DatasetCheckError(_fatal_message(fatal))
    lines = []
    for source, report in zip(check.sources, check.reports):
        if not report.problems:
            lines.append(f'{source.key}: no bad samples, nothing dropped')
            continue
        with open(source.ann_file) as f:
            coco = json.load(f)
        bad_images = report.bad_image_ids
        cleaned, num_images, num_anns = drop_images(coco, bad_images)
        os.makedirs(out_dir, exist_ok=True)
        out_file = osp.abspath(osp.join(out_dir, f'{source.key}.json'))
        _write_json(out_file, cleaned)
        with open(osp.join(out_dir, f'{source.key}.problems.txt'), 'w') as f:
            f.write(''.join(f'{p.line()}\n' for p in report.problems))
        _redirect(cfg, source, out_file)
        counts = ', '.join(f'{kind} {count}'
                           for kind, count in report.counts().items())
        shown = sorted(bad_images, key=str)[:20]
        more = ' ...' if len(bad_images) > len(shown) else ''
        lines.append(
            f'{source.key}: dropped {num_images} of {report.num_images} '
            f'images and {num_anns} of {report.num_annotations} annotations '
            f'for {len(report.problems)} problems ({counts}); image ids '
            f'{shown}{more}; now reads {out_file}')
    return lines


def _redirect(cfg: Config, source: DataSource, out_file: str) -> None:
    original = osp.abspath(source.ann_file)
    for node in source.nodes:
        node['ann_file'] = out_file
    splits = {
        key.partition('_dataloader')[0]
        for key in [source.key] + source.shared
    }
    for split, evaluator_key in _EVALUATORS.items():
        evaluators = cfg.get(evaluator_key) if split in splits else None
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        for evaluator in evaluators or []:
            ann_file = evaluator.get('ann_file')
            if ann_file and osp.abspath(ann_file) == original:
                evaluator['ann_file'] = out_file


def check_training_data(cfg: Config,
                        skip_bad: bool = False,
                        out_dir: Optional[str] = None,
                        **check_args) -> List[str]:
    """The check ``tools/train.py`` runs before it builds the Runner.

    Args:
        cfg (Config): The merged config; with ``skip_bad`` its annotation
            files are replaced by copies without the bad images.
        skip_bad (bool): Drop the images with problems instead of refusing.
        out_dir (str, optional): Where the copies go; defaults to
            ``<work_dir>/data_check``.
        **check_args: ``tolerance``, ``decode``, ``num_workers`` (default:
            the number of CPUs, at most 8).

    Returns:
        list[str]: Summary lines to log (and, with ``skip_bad``, what was
        dropped).

    Raises:
        DatasetCheckError: Problems were found (the message gives their count
            and the first few), or ``skip_bad`` cannot fix them.
    """
    check_args.setdefault('num_workers', min(8, os.cpu_count() or 1))
    check = check_config_data(cfg, ('train', 'val'), **check_args)
    summary = [f'dataset check: {line}' for line in check.lines(_LISTED)]
    if not check.num_problems:
        return summary
    if not skip_bad and not check.num_refusing:
        return summary + [
            f'dataset check: the {check.num_problems} box problems above are '
            'only reported (mmdet drops boxes under 1 px and keeps boxes '
            'outside the image); --skip-bad-samples drops their images'
        ]
    if not skip_bad:
        raise DatasetCheckError('\n'.join([
            f'the dataset check found {check.num_problems} problems; '
            'training refused:'
        ] + check.lines(_LISTED) + [
            'tools/misc/check_dataset.py CONFIG lists them all; '
            '--skip-bad-samples drops the images they belong to, '
            '--no-data-check turns the check off'
        ]))
    out_dir = out_dir or osp.join(cfg.work_dir, 'data_check')
    dropped = drop_bad_samples(cfg, check, out_dir)
    return summary + [
        f'dataset check, --skip-bad-samples: {line}' for line in dropped
    ]


__all__ = [
    'REPORTED_ONLY', 'DataCheck', 'DataSource', 'check_config_data',
    'check_training_data', 'data_sources', 'drop_bad_samples',
    'model_num_classes', 'reads_coco_instances'
]
