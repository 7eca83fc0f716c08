# Copyright (c) uet_mmdet authors. All rights reserved.
"""Benchmark specs: which runs make a table, and where they live."""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from mmengine.config import Config

from uet_mmdet.errors import UserInputError


class SpecError(UserInputError):
    """A benchmark spec that cannot be run."""


@dataclass
class Method:
    """A distillation config of the table (a host, or host + UET).

    ``against`` names the row it is paired with, seed by seed (e.g. the
    host for host + UET); the student alone when not given.
    """
    name: str
    config: str
    published: Optional[float] = None
    against: str = 'student'


@dataclass
class Run:
    """One training + evaluation of the plan.

    ``seed`` is ``None`` for the teacher, which is trained once; a run
    with a ``checkpoint`` is only evaluated. ``overrides`` are config files
    merged, in order, into ``config`` (the spec's data and schedule), then
    ``cfg_options``.
    """
    name: str
    config: str
    work_dir: str
    seed: Optional[int]
    distill: bool = False
    cfg_options: Dict[str, object] = field(default_factory=dict)
    checkpoint: Optional[str] = None
    overrides: List[str] = field(default_factory=list)


@dataclass
class BenchmarkSpec:
    """A table: teacher, student baseline and methods over seeds.

    Args:
        name (str): Table name.
        teacher (dict): ``config`` and optionally ``checkpoint`` (reused
            instead of training the teacher), ``schedule`` (a config file
            merged into the teacher's config), ``cfg_options`` (its own
            overrides) and ``published`` mAP.
        student (dict): ``config`` of the student alone, ``published`` mAP.
        methods (list[dict]): ``name``, ``config``, ``published`` and
            ``against`` (the row it is paired with; default the student).
        seeds (list[int]): One run of the student and every method per seed.
        cfg_options (dict): Overrides for every student and method run.
        data (str, optional): A dataset config file merged into every run's
            config, the teacher's included.
        schedule (str, optional): A schedule config file merged into every
            student and method run's config.
        compare (list[list[str]]): Further ``[row, against]`` pairs for the
            paired table, e.g. host + UET against its shuffled control.
        report (list[str]): Further metrics of the evaluator, each given
            its own paired table (e.g. ``star_precision``, the AP of class
            ``star`` with ``classwise=True``).
        prepare (list[list[str]]): Commands run (in the repository root)
            before the runs, e.g. the demo data generator; they must be
            idempotent. A command whose first word ends with ``.py`` runs
            with the current Python.
    """
    name: str
    teacher: dict
    student: dict
    methods: List[Method]
    seeds: List[int]
    cfg_options: Dict[str, object] = field(default_factory=dict)
    data: Optional[str] = None
    schedule: Optional[str] = None
    prepare: List[List[str]] = field(default_factory=list)
    report: List[str] = field(default_factory=list)
    compare: List[List[str]] = field(default_factory=list)

    @classmethod
    def from_file(cls, path: str) -> 'BenchmarkSpec':
        """Load a spec; config paths are relative to the spec's folder."""
        cfg = Config.fromfile(path)
        base = osp.dirname(osp.abspath(path))
        missing = [
            key for key in ('teacher', 'student', 'methods', 'seeds')
            if key not in cfg
        ]
        if missing:
            raise SpecError(f'{path}: missing {missing}')
        if not cfg.seeds:
            raise SpecError(f'{path}: seeds is empty')

        def config_file(name: Optional[str], what: str) -> Optional[str]:
            if not name:
                return None
            name = osp.normpath(osp.join(base, name))
            if not osp.isfile(name):
                raise SpecError(f'{path}: {what} not found: {name}')
            return name

        def resolve(item: dict, what: str) -> dict:
            item = dict(item)
            if 'config' not in item:
                raise SpecError(f'{path}: {what} has no config')
            item['config'] = config_file(item['config'], f'{what} config')
            if item.get('schedule'):
                item['schedule'] = config_file(item['schedule'],
                                               f'{what} schedule')
            if item.get('checkpoint'):
                item['checkpoint'] = osp.normpath(
                    osp.join(base, item['checkpoint']))
            return item

        methods = [
            Method(**resolve(method, f'method {method.get("name")!r}'))
            for method in cfg.methods
        ]
        names = [method.name for method in methods]
        if len(set(names)) != len(names):
            raise SpecError(f'{path}: method names repeat: {names}')
        for method in methods:
            if method.against not in ['student'] + names:
                raise SpecError(
                    f'{path}: method {method.name!r} is paired against '
                    f'{method.against!r}, which is not a row (rows: '
                    f"{['student'] + names})")
        compare = [list(pair) for pair in cfg.get('compare', [])]
        for pair in compare:
            if len(pair) != 2 or not set(pair) <= set(['student'] + names):
                raise SpecError(
                    f'{path}: compare {pair!r} is not a pair of rows (rows: '
                    f"{['student'] + names})")
        return cls(
            name=cfg.get('name',
                         osp.splitext(osp.basename(path))[0]),
            teacher=resolve(cfg.teacher, 'teacher'),
            student=resolve(cfg.student, 'student'),
            methods=methods,
            seeds=list(cfg.seeds),
            cfg_options=dict(cfg.get('cfg_options') or {}),
            data=config_file(cfg.get('data'), 'data'),
            schedule=config_file(cfg.get('schedule'), 'schedule'),
            prepare=[list(command) for command in cfg.get('prepare', [])],
            report=list(cfg.get('report', [])),
            compare=compare)

    def plan(self, work_dir: str) -> List[Run]:
        """Every run, in order: the teacher (evaluated only when its
        checkpoint is given), then per seed the student alone and each
        method."""

        def files(*names: Optional[str]) -> List[str]:
            return [name for name in names if name]

        runs = [
            Run('teacher',
                self.teacher['config'],
                osp.join(work_dir, 'teacher'),
                None,
                cfg_options=dict(self.teacher.get('cfg_options') or {}),
                checkpoint=self.teacher.get('checkpoint'),
                overrides=files(self.data, self.teacher.get('schedule')))
        ]
        student_files = files(self.data, self.schedule)
        for seed in self.seeds:
            options = dict(self.cfg_options, **{'randomness.seed': seed})
            runs.append(
                Run('student',
                    self.student['config'],
                    osp.join(work_dir, f'student_seed{seed}'),
                    seed,
                    cfg_options=options,
                    overrides=student_files))
            for method in self.methods:
                slug = method.name.replace('+', '_').replace(' ', '_')
                runs.append(
                    Run(method.name,
                        method.config,
                        osp.join(work_dir, f'{slug}_seed{seed}'),
                        seed,
                        distill=True,
                        cfg_options=options,
                        overrides=student_files))
        return runs


__all__ = ['BenchmarkSpec', 'Method', 'Run', 'SpecError']
