# Copyright (c) uet_mmdet authors. All rights reserved.
"""Reproduce a benchmark table: teacher -> student -> host -> host+UET.

    python tools/reproduce.py SPEC [--work-dir DIR] [--seeds S [S ...]]
        [--dry-run] [--teacher-ckpt FILE] [--max-parallel N]
        [--launcher {none,pytorch,slurm}] [--gpus N]
        [--partition P] [--gpus-per-node N] [--cpus-per-task N]
        [--srun-args="..."]

SPEC is a benchmark spec (``configs/benchmarks/*.py``): the teacher, the
student and the distillation methods, the seeds, the data and the schedule.
The spec's ``prepare`` commands run first (e.g. the demo data generator).
The teacher is trained once (or its ``checkpoint`` reused); then for every
seed the student alone and every method are trained with ``tools/train.py``
(``tools/dist_train.sh`` with ``--launcher pytorch``) and evaluated with
``tools/test.py``. Each run trains with one composed config, written to
``RUN_DIR/configs/``: its config, the spec's data and schedule files, its
options and the benchmark's teacher checkpoint. Each run's COCO metrics,
seconds per iteration (mean of the logged training iterations) and peak
memory (CUDA: mmengine's logged maximum; CPU: the training process's peak
resident memory) go to its work dir (``result.json``); finished runs are
skipped when the command is run again, and a run that was stopped during
training resumes from its last checkpoint (bit-identical to an
uninterrupted run under the conditions of docs/reliability.md).
``results.md``, ``results.csv`` and ``results.png`` (mAP with std error
bars) are rewritten after every run.

``--teacher-ckpt FILE`` uses FILE as the benchmark's teacher instead of
training one (as the spec's ``teacher.checkpoint`` would): the teacher row is
FILE evaluated, and ``results.md`` says it was given.

Runs in parallel: ``--max-parallel N`` runs up to N runs at once (default 1;
with ``--launcher slurm`` every ready run). A distillation run waits for the
teacher; the student alone does not, and the seeds are independent. On a
machine with GPUs each parallel run gets its own GPUs (``--gpus`` with
``pytorch``, one with ``none``; ``CUDA_VISIBLE_DEVICES``) and torchrun
port. ``--launcher slurm`` sends
every training and every evaluation as its own job through
``tools/slurm_train.sh`` / ``tools/slurm_test.sh`` (``srun -p PARTITION``,
``--gpus`` GPUs per job, ``--gpus-per-node``, ``--cpus-per-task``,
``--srun-args="..."``, written with ``=``); the job is named after the
spec and the run's folder. Each run logs to its own ``train.log`` /
``test.log``. A failed run is reported in one line when it fails; the other
runs go on to their end (runs that need a failed teacher are not started),
then the command exits with status 1. Run the command again to retry what
failed: done runs are skipped and stopped ones resume.

``--dry-run`` builds every model of the spec and runs one training step on
a random batch on the CPU, without data or weight files.
"""
import argparse
import os
import os.path as osp
import re
import sys
import time
from typing import Dict, List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from uet_mmdet.benchmark import (LAUNCHERS, BenchmarkSpec, Launch, Outcome,
                                 RunFailed, compose_run_config, execute_run,
                                 markdown_table, metric_table, paired_row,
                                 paired_table, read_result, rows_from_results,
                                 run_plan, run_tool, visible_devices,
                                 write_chart, write_csv)
from uet_mmdet.errors import UserInputError
from uet_mmdet.utils import dry_run, exit_with_error


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('spec', help='benchmark spec file')
    parser.add_argument('--work-dir', help='default work_dirs/benchmarks/NAME')
    parser.add_argument(
        '--seeds',
        type=int,
        nargs='+',
        help="run these of the spec's seeds only")
    parser.add_argument('--dry-run', action='store_true')
    parser.add_argument(
        '--teacher-ckpt', help='use this teacher checkpoint; do not train one')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none')
    parser.add_argument(
        '--gpus',
        type=int,
        default=1,
        help='GPUs per run (--launcher pytorch or slurm)')
    parser.add_argument(
        '--max-parallel',
        type=int,
        help='runs at once (default 1; slurm: all ready)')
    slurm = parser.add_argument_group('--launcher slurm')
    slurm.add_argument('--partition', help='Slurm partition')
    slurm.add_argument('--gpus-per-node', type=int, default=8)
    slurm.add_argument('--cpus-per-task', type=int, default=5)
    slurm.add_argument(
        '--srun-args',
        default='',
        help='further srun arguments, written with =: '
        '--srun-args="--time=24:00:00"')
    return parser.parse_args()


def dry_run_spec(spec: BenchmarkSpec) -> int:
    """One step of every model of the spec (its first seed's runs, configs
    composed as for training); returns the number of failures."""
    runs = spec.plan('dry_run')[:2 + len(spec.methods)]
    failed = 0
    for run in runs:
        try:
            losses = dry_run(compose_run_config(run))
            print(
                f'OK   {run.name}: {osp.relpath(run.config, REPO_ROOT)} '
                f'(loss {losses["loss"]:.3f})',
                flush=True)
        except Exception as error:  # report every model, then fail
            failed += 1
            print(
                f'FAIL {run.name}: {run.config}: '
                f'{type(error).__name__}: {error}',
                flush=True)
    return failed


def prepare(spec: BenchmarkSpec, work_dir: str) -> None:
    """Run the spec's ``prepare`` commands in the repository root."""
    for index, command in enumerate(spec.prepare):
        if command[0].endswith('.py'):
            command = [sys.executable, *command]
        print(f'[prepare] {" ".join(command)}', flush=True)
        run_tool(command, osp.join(work_dir, f'prepare_{index}.log'),
                 REPO_ROOT)


def write_tables(spec: BenchmarkSpec, results: Dict[str, List[dict]],
                 work_dir: str) -> None:
    order = ['teacher', 'student'] + [method.name for method in spec.methods]
    published = {
        'teacher': spec.teacher.get('published'),
        'student': spec.student.get('published'),
        **{
            method.name: method.published
            for method in spec.methods
        }
    }
    rows = rows_from_results(order, results, published)
    if not rows:
        return
    pairs = [(method.name, method.against)
             for method in spec.methods] + [tuple(p) for p in spec.compare]
    paired = [
        row for row in (paired_row(results, method, against)
                        for method, against in pairs) if row is not None
    ]
    with open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(f'# {spec.name}\n\nCOCO bbox AP x 100, mean ± std over '
                f'seeds {spec.seeds}; Δ AP to the student alone.\n\n')
        if spec.teacher.get('checkpoint'):
            f.write(f'Teacher: the given checkpoint '
                    f'`{spec.teacher["checkpoint"]}`, evaluated, not '
                    'trained.\n\n')
        f.write(markdown_table(rows))
        if paired:
            f.write('\nPaired differences (same seed, same batches), mean '
                    'and 95 % bootstrap interval over seeds; a tie when the '
                    'interval holds 0.\n\n')
            f.write(paired_table(paired))
        pairs = [(method.name, method.against) for method in spec.methods]
        for metric in spec.report:
            f.write(f'\n{metric} (COCO, x 100), mean over seeds and paired '
                    'differences:\n\n')
            f.write(metric_table(results, pairs, metric))
    write_csv(rows, osp.join(work_dir, 'results.csv'))
    write_chart(rows, osp.join(work_dir, 'results.png'), spec.name)


def use_teacher_ckpt(spec: BenchmarkSpec, given: Optional[str],
                     work_dir: str) -> None:
    """Make ``given`` (``--teacher-ckpt``) the spec's teacher checkpoint;
    refuse a missing file, or a work dir whose teacher is another one."""
    if given:
        spec.teacher['checkpoint'] = osp.abspath(given)
    checkpoint = spec.teacher.get('checkpoint')
    if not checkpoint:
        return
    what = '--teacher-ckpt' if given else "the spec's teacher checkpoint"
    if not osp.isfile(checkpoint):
        raise UserInputError(f'{what} {checkpoint}: no such file')
    done = read_result(spec.plan(work_dir)[0])
    if done is not None and done['checkpoint'] != checkpoint:
        raise UserInputError(
            f'{work_dir} holds the runs of teacher {done["checkpoint"]}, '
            f'not {checkpoint}: use another --work-dir')


def make_launch(args: argparse.Namespace, spec: BenchmarkSpec,
                runs: int) -> tuple:
    """The launch settings and the number of runs at once."""
    slurm = args.launcher == 'slurm'
    launch = Launch(
        launcher=args.launcher,
        gpus=args.gpus,
        partition=args.partition,
        gpus_per_node=args.gpus_per_node,
        cpus_per_task=args.cpus_per_task,
        srun_args=args.srun_args,
        devices=[] if slurm else visible_devices(),
        job_prefix=re.sub(r'\W+', '_', spec.name))
    max_parallel = args.max_parallel or (runs if slurm else 1)
    problem = launch.check(max_parallel)
    if problem:
        raise UserInputError(problem)
    return launch, max_parallel


def _label(outcome: Outcome, total: int) -> str:
    seed = '' if outcome.run.seed is None else f' seed {outcome.run.seed}'
    return f'[{outcome.index + 1}/{total}] {outcome.run.name}{seed}'


def load_spec(args: argparse.Namespace) -> BenchmarkSpec:
    """The spec, with only the seeds ``--seeds`` names."""
    spec = BenchmarkSpec.from_file(args.spec)
    if args.seeds:
        unknown = sorted(set(args.seeds) - set(spec.seeds))
        if unknown:
            raise UserInputError(f'--seeds {unknown} not in the spec\'s '
                                 f'seeds {spec.seeds}')
        spec.seeds = [seed for seed in spec.seeds if seed in args.seeds]
    return spec


def run_all(spec: BenchmarkSpec, runs: list, launch: Launch, max_parallel: int,
            work_dir: str) -> None:
    """Run the plan, rewriting the tables after each run; exit with status
    1 when a run failed."""
    results: Dict[int, dict] = {}
    # runs after the teacher are seeded runs: their times make the ETA
    seconds: Dict[bool, List[float]] = {True: [], False: []}

    def eta() -> str:
        elapsed = seconds[True] or seconds[False]
        if not elapsed:
            return 'ETA unknown'
        left = (len(runs) - len(results)) / max_parallel
        return f'ETA {sum(elapsed) / len(elapsed) * left / 60:.0f} min'

    def report(outcome: Outcome) -> None:
        label = _label(outcome, len(runs))
        if outcome.state == 'start':
            print(f'{label}: running ({eta()})', flush=True)
        elif outcome.state == 'fail':
            print(f'{label}: FAILED: {outcome.error}', flush=True)
        else:
            results[outcome.index] = outcome.result
            if outcome.state == 'finish':
                seconds[outcome.run.seed is not None].append(
                    outcome.result['seconds'])
                print(
                    f'{label}: finished in '
                    f'{outcome.result["seconds"] / 60:.1f} min',
                    flush=True)
            else:
                print(f'{label}: done', flush=True)
            by_name: Dict[str, List[dict]] = {}
            for index in sorted(results):
                by_name.setdefault(runs[index].name, []).append(results[index])
            write_tables(spec, by_name, work_dir)

    def execute(run, teacher_ckpt, slot):
        return execute_run(run, teacher_ckpt, launch, REPO_ROOT, slot)

    start = time.time()
    outcomes = run_plan(runs, execute, max_parallel, read_result, report)
    failed = [o for o in outcomes if o.state == 'fail']
    table = osp.join(work_dir, 'results.md')
    if osp.isfile(table):
        with open(table) as f:
            print(f.read())
    if failed:
        names = ', '.join(_label(o, len(runs)) for o in failed)
        print(
            f'error: {len(failed)} of {len(runs)} runs failed ({names}) '
            f'after {(time.time() - start) / 60:.0f} min; run the command '
            'again to retry them',
            file=sys.stderr)
        sys.exit(1)


def main() -> None:
    args = parse_args()
    try:
        spec = load_spec(args)
        if args.dry_run:
            sys.exit(1 if dry_run_spec(spec) else 0)
        work_dir = osp.abspath(
            args.work_dir or osp.join('work_dirs', 'benchmarks',
                                      re.sub(r'\W+', '_', spec.name)))
        use_teacher_ckpt(spec, args.teacher_ckpt, work_dir)
        runs = spec.plan(work_dir)
        launch, max_parallel = make_launch(args, spec, len(runs))
        os.makedirs(work_dir, exist_ok=True)
        prepare(spec, work_dir)
    except (UserInputError, FileNotFoundError, RunFailed) as error:
        exit_with_error(error)
    run_all(spec, runs, launch, max_parallel, work_dir)


if __name__ == '__main__':
    main()
