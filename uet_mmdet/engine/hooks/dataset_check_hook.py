# Copyright (c) uet_mmdet authors. All rights reserved.
from typing import Any, Dict, Iterator, List, Sequence, Tuple

from mmengine.dist import broadcast_object_list, get_rank, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from mmengine.runner import BaseLoop
from torch import nn

from uet_mmdet.datasets import (KEEP_KEY, REPORTED_ONLY, DataProblem,
                                DatasetCheckError, DatasetReport,
                                check_coco_dataset, class_count_problems)
from uet_mmdet.errors import ConfigError

# the hook's arguments in error keys
KEY = 'custom_hooks.DatasetCheckHook'
_LOOPS = {'train': '_train_loop', 'val': '_val_loop', 'test': '_test_loop'}


def coco_instances_class(dataset_class: Any) -> bool:
    """Whether a dataset class reads its json as mmdet's ``CocoDataset``
    does (LVIS, panoptic and other formats override how).

    Args:
        dataset_class (type): A dataset class; anything else is not one.

    Returns:
        bool: True for ``CocoDataset`` and subclasses that keep its
        ``load_data_list`` and ``parse_data_info``.
    """
    from mmdet.datasets import CocoDataset
    return (isinstance(dataset_class, type)
            and issubclass(dataset_class, CocoDataset) and all(
                getattr(dataset_class, method) is getattr(CocoDataset, method)
                for method in ('load_data_list', 'parse_data_info')))


def _leaves(dataset, key: str) -> Iterator[Tuple[str, object]]:
    """Unwrap dataset wrappers (Concat, Repeat, ClassBalanced, ...)."""
    if hasattr(dataset, 'datasets'):
        for index, child in enumerate(dataset.datasets):
            yield from _leaves(child, f'{key}.datasets[{index}]')
    elif hasattr(dataset, 'dataset'):
        yield from _leaves(dataset.dataset, f'{key}.dataset')
    else:
        yield key, dataset


def _head_classes(detector: nn.Module, where: str) -> Dict[str, int]:
    heads = {}
    head = getattr(detector, 'bbox_head', None)
    if hasattr(head, 'num_classes'):
        heads[f'{where}.bbox_head.num_classes'] = head.num_classes
    roi_heads = getattr(getattr(detector, 'roi_head', None), 'bbox_head', None)
    if isinstance(roi_heads, nn.ModuleList):
        roi_heads = {
            f'roi_head.bbox_head[{index}]': head
            for index, head in enumerate(roi_heads)
        }
    elif roi_heads is not None:
        roi_heads = {'roi_head.bbox_head': roi_heads}
    for name, head in (roi_heads or {}).items():
        if hasattr(head, 'num_classes'):
            heads[f'{where}.{name}.num_classes'] = head.num_classes
    return heads


@HOOKS.register_module()
class DatasetCheckHook(Hook):
    """Refuses to run on data with problems, before the first iteration.

    In ``before_run`` it checks every COCO dataset of the runner's built
    loops (dataset wrappers unwrapped) with
    :func:`~uet_mmdet.datasets.check_coco_dataset`: files exist and decode,
    sizes match the json, boxes lie inside their image with a positive size,
    category and image ids are defined, the classes match the file's
    categories, and the ``num_classes`` of the student's and the teacher's
    heads equal the number of classes. It logs one summary line per dataset
    (images, annotations, empty images, ignored boxes, problems by kind) and
    raises :class:`~uet_mmdet.datasets.DatasetCheckError` giving the number
    of problems and the first ones, each with its image and annotation id.

    Args:
        splits (Sequence[str]): Loops whose datasets are checked, of
            ``train``, ``val`` and ``test``; loops the run does not build are
            passed over. Defaults to ``('train', 'val')``.
        tolerance (float): Pixels a box may reach outside its image.
            Defaults to 1.
        decode (bool): Decode every image, not only its header. Defaults to
            True.
        num_workers (int): Threads that open images. Defaults to 4.
        max_listed (int): Problems listed per dataset in the error.
            Defaults to 5.

    Note:
        - The hook refuses; it does not drop samples. By ``before_run`` the
          runner has sized its samplers, the epoch length and the schedules
          converted to iterations to the datasets, so removing images then
          would leave them out of step.
        - ``tools/train.py`` runs the same check before it builds the
          Runner and drops bad images there with ``--skip-bad-samples``
          (:func:`uet_mmdet.utils.drop_bad_samples`); add this hook to runs
          started another way.
        - Boxes mmdet copes with (``box_too_small``, ``box_outside``) are
          logged as warnings, not refused.
        - Rank 0 checks, the other ranks receive its result.
        - A bad argument raises :class:`~uet_mmdet.errors.ConfigError`
          keyed ``custom_hooks.DatasetCheckHook.<argument>``.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 splits: Sequence[str] = ('train', 'val'),
                 tolerance: float = 1.0,
                 decode: bool = True,
                 num_workers: int = 4,
                 max_listed: int = 5) -> None:
        unknown = set(splits) - set(_LOOPS)
        if unknown:
            raise ConfigError(
                f'{KEY}.splits', f'must be of {list(_LOOPS)}, '
                f'got {sorted(unknown)}')
        for name, value, least in (('tolerance', tolerance,
                                    0), ('num_workers', num_workers, 1),
                                   ('max_listed', max_listed, 1)):
            if value < least:
                raise ConfigError(f'{KEY}.{name}',
                                  f'must be >= {least}, got {value}')
        self.splits = tuple(splits)
        self.tolerance = tolerance
        self.decode = decode
        self.num_workers = num_workers
        self.max_listed = max_listed

    def _datasets(self, runner) -> Iterator[Tuple[str, str, object]]:
        for split in self.splits:
            # the private attribute: the public property builds a missing loop
            loop = getattr(runner, _LOOPS[split], None)
            if isinstance(loop, BaseLoop):
                for key, dataset in _leaves(loop.dataloader.dataset,
                                            f'{split}_dataloader.dataset'):
                    yield split, key, dataset

    @staticmethod
    def _heads(runner) -> Dict[str, int]:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if hasattr(model, 'architecture'):
            detectors = {
                'model.architecture': model.architecture,
                'model.teacher': getattr(model, 'teacher', None)
            }
        else:
            detectors = {'model': model}
        kept = runner.cfg.get(KEEP_KEY) or []
        heads = {}
        for where, detector in detectors.items():
            if detector is not None and where not in kept:
                heads.update(_head_classes(detector, where))
        return heads

    def _check(
        self, runner
    ) -> Tuple[List[str], List[DataProblem], List[Tuple[str, DatasetReport]]]:
        notes, reports, class_counts = [], [], set()
        for split, key, dataset in self._datasets(runner):
            ann_file = str(getattr(dataset, 'ann_file', '') or '')
            img_dir = (getattr(dataset, 'data_prefix', None) or {}).get('img')
            if (not ann_file.endswith('.json') or img_dir is None
                    or '://' in ann_file or '://' in img_dir):
                notes.append(f'{key} not checked: not a local COCO json '
                             'dataset with a local data_prefix.img')
                continue
            if not coco_instances_class(type(dataset)):
                notes.append(f'{key} not checked: {type(dataset).__name__} '
                             "does not read its json as mmdet's CocoDataset")
                continue
            classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
            reports.append(
                (key,
                 check_coco_dataset(ann_file, img_dir, classes, self.tolerance,
                                    self.decode, self.num_workers)))
            if classes:
                class_counts.add(len(classes))
        heads = self._heads(runner)
        problems = [
            problem for count in sorted(class_counts)
            for problem in class_count_problems(count, heads)
        ]
        return notes, problems, reports

    def before_run(self, runner) -> None:
        """Check the datasets and the heads' ``num_classes``; log the
        summaries.

        Args:
            runner (Runner): The runner of the run.

        Raises:
            DatasetCheckError: The data or the heads have problems that are
                not only reported.
        """
        result = [None]
        if get_rank() == 0:
            try:
                result = [self._check(runner)]
            except Exception as error:  # every rank raises it, none waits
                result = [error]
        if is_distributed():
            broadcast_object_list(result)
        if isinstance(result[0], Exception):
            raise result[0]
        notes, problems, reports = result[0]
        for note in notes:
            runner.logger.warning(f'dataset check: {note}')
        for key, report in reports:
            runner.logger.info(f'dataset check: {key} ({report.ann_file}): '
                               f'{report.summary()}')
        total = len(problems) + sum(len(r.problems) for _, r in reports)
        refusing = len(problems) + sum(p.kind not in REPORTED_ONLY
                                       for _, r in reports for p in r.problems)
        if not refusing:
            for key, report in reports:
                for problem in report.problems[:self.max_listed]:
                    runner.logger.warning(f'dataset check: {key}: '
                                          f'{problem.line()} (reported only)')
            return
        lines = [f'the dataset check found {total} problems; run refused:']
        for key, listed in [(key, r.problems)
                            for key, r in reports] + [('model', problems)]:
            if listed:
                lines.append(f'{key}:')
                lines += [f'  {p.line()}' for p in listed[:self.max_listed]]
                if len(listed) > self.max_listed:
                    lines.append(f'  ... and {len(listed) - self.max_listed} '
                                 'more')
        raise DatasetCheckError('\n'.join(lines))


__all__ = ['DatasetCheckHook', 'coco_instances_class']
