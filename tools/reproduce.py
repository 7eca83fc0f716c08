# Copyright (c) uet_mmdet authors. All rights reserved.
"""Reproduce a benchmark table: teacher -> student -> host -> host+UET.

    python tools/reproduce.py SPEC [--work-dir DIR] [--seeds S [S ...]]
        [--dry-run] [--launcher {none,pytorch}] [--gpus N]

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
training resumes from its last checkpoint (bit-identical to an uninterrupted
run under the conditions of README "Reliability"). ``results.md``, ``results.csv`` and
``results.png`` (mAP with std error bars) are rewritten after every run.

``--dry-run`` builds every model of the spec and runs one training step on
a random batch on the CPU, without data or weight files.
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Dict, List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from uet_mmdet.benchmark import (BenchmarkSpec, Run, SpecError,  # noqa: E402
                                 compose_run_config, markdown_table,
                                 metric_table, paired_row, paired_table,
                                 rows_from_results, write_chart, write_csv)
from uet_mmdet.utils import dry_run, exit_with_error  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('spec', help='benchmark spec file')
    parser.add_argument('--work-dir', help='default work_dirs/benchmarks/NAME')
    parser.add_argument('--seeds', type=int, nargs='+',
                        help="run these of the spec's seeds only")
    parser.add_argument('--dry-run', action='store_true')
    parser.add_argument('--launcher', choices=['none', 'pytorch'],
                        default='none')
    parser.add_argument('--gpus', type=int, default=1,
                        help='GPUs per run with --launcher pytorch')
    return parser.parse_args()


def dry_run_spec(spec: BenchmarkSpec) -> int:
    """One step of every model of the spec (its first seed's runs, configs
    composed as for training); returns the number of failures."""
    runs = spec.plan('dry_run')[:2 + len(spec.methods)]
    failed = 0
    for run in runs:
        try:
            losses = dry_run(compose_run_config(run))
            print(f'OK   {run.name}: {osp.relpath(run.config, REPO_ROOT)} '
                  f'(loss {losses["loss"]:.3f})', flush=True)
        except Exception as error:  # report every model, then fail
            failed += 1
            print(f'FAIL {run.name}: {run.config}: '
                  f'{type(error).__name__}: {error}', flush=True)
    return failed


def prepare(spec: BenchmarkSpec, work_dir: str) -> None:
    """Run the spec's ``prepare`` commands in the repository root."""
    for index, command in enumerate(spec.prepare):
        if command[0].endswith('.py'):
            command = [sys.executable, *command]
        print(f'[prepare] {" ".join(command)}', flush=True)
        _run_tool(command, osp.join(work_dir, f'prepare_{index}.log'))


def _run_tool(command: List[str], log_file: str) -> Optional[float]:
    """Run a command, appending to ``log_file``; return the child's peak
    RSS in MiB."""
    with open(log_file, 'a') as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log,
                                   stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        exit_with_error(f'{" ".join(command[:3])} ... failed '
                        f'(exit {process.returncode}){_reason(log_file)}; '
                        f'see {log_file}')
    return usage.ru_maxrss / 1024  # kilobytes on Linux


def _reason(log_file: str) -> str:
    """``: <message>`` of a tool's one-line ``error:`` at the end of its
    log, or nothing."""
    with open(log_file) as f:
        lines = f.read().strip().splitlines()
    if lines and lines[-1].startswith('error: '):
        return f': {lines[-1][len("error: "):]}'
    return ''


def _train_command(run: Run, config: str,
                   args: argparse.Namespace) -> List[str]:
    """``tools/train.py`` for ``run``, resuming its last checkpoint when an
    earlier attempt was stopped."""
    if args.launcher == 'pytorch':
        command = ['bash', 'tools/dist_train.sh', config, str(args.gpus)]
    else:
        command = [sys.executable, 'tools/train.py', config]
    command += ['--work-dir', run.work_dir]
    if osp.isfile(osp.join(run.work_dir, 'last_checkpoint')):
        command.append('--resume')
    return command


def _train_speed(work_dir: str) -> Dict[str, Optional[float]]:
    """Mean seconds per training iteration and peak CUDA memory (MiB) from
    mmengine's ``vis_data/scalars.json``."""
    times, memory = [], []
    for root, _, files in os.walk(work_dir):
        if 'scalars.json' in files and root.endswith('vis_data'):
            with open(osp.join(root, 'scalars.json')) as f:
                for line in f:
                    record = json.loads(line)
                    if 'loss' in record and 'time' in record:
                        times.append(record['time'])
                        if 'memory' in record:
                            memory.append(record['memory'])
    return dict(
        sec_per_iter=sum(times) / len(times) if times else None,
        cuda_mib=max(memory) if memory else None)


def _last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def execute(run: Run, teacher_ckpt: Optional[str],
            args: argparse.Namespace) -> dict:
    """Train and evaluate one run, or read its result if it is done."""
    result_file = osp.join(run.work_dir, 'result.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            return json.load(f)
    config = osp.join(run.work_dir, 'configs', osp.basename(run.config))
    os.makedirs(osp.dirname(config), exist_ok=True)
    compose_run_config(run, teacher_ckpt).dump(config)
    start = time.time()
    train_rss, checkpoint = None, run.checkpoint
    if checkpoint is None:
        train_rss = _run_tool(
            _train_command(run, config, args),
            osp.join(run.work_dir, 'train.log'))
        checkpoint = _last_checkpoint(run.work_dir)
    metrics_file = osp.join(run.work_dir, 'metrics.json')
    _run_tool([
        sys.executable, 'tools/test.py', config, checkpoint, '--work-dir',
        osp.join(run.work_dir, 'test'), '--metrics-out', metrics_file
    ], osp.join(run.work_dir, 'test.log'))
    with open(metrics_file) as f:
        metrics = json.load(f)
    speed = _train_speed(run.work_dir)
    result = dict(
        name=run.name,
        seed=run.seed,
        checkpoint=checkpoint,
        metrics=metrics,
        sec_per_iter=speed['sec_per_iter'],
        peak_mib=speed['cuda_mib'] or train_rss,
        seconds=time.time() - start)
    with open(result_file, 'w') as f:
        json.dump(result, f, indent=2)
    return result


def write_tables(spec: BenchmarkSpec, results: Dict[str, List[dict]],
                 work_dir: str) -> None:
    order = ['teacher', 'student'] + [method.name for method in spec.methods]
    published = {
        'teacher': spec.teacher.get('published'),
        'student': spec.student.get('published'),
        **{method.name: method.published for method in spec.methods}
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


def _eta(elapsed: List[float], remaining: int) -> str:
    if not elapsed:
        return 'ETA unknown'
    seconds = sum(elapsed) / len(elapsed) * remaining
    return f'ETA {seconds / 60:.0f} min'


def main() -> None:
    args = parse_args()
    try:
        spec = BenchmarkSpec.from_file(args.spec)
    except (SpecError, FileNotFoundError) as error:
        exit_with_error(str(error))
    if args.seeds:
        unknown = sorted(set(args.seeds) - set(spec.seeds))
        if unknown:
            exit_with_error(f'--seeds {unknown} not in the spec\'s seeds '
                            f'{spec.seeds}')
        spec.seeds = [seed for seed in spec.seeds if seed in args.seeds]
    if args.dry_run:
        sys.exit(1 if dry_run_spec(spec) else 0)
    work_dir = args.work_dir or osp.join('work_dirs', 'benchmarks',
                                         re.sub(r'\W+', '_', spec.name))
    work_dir = osp.abspath(work_dir)
    os.makedirs(work_dir, exist_ok=True)
    prepare(spec, work_dir)
    runs = spec.plan(work_dir)
    teacher_ckpt = None
    results: Dict[str, List[dict]] = {}
    # what is left after the teacher are seeded runs: they time the ETA
    teacher_seconds: List[float] = []
    run_seconds: List[float] = []
    for index, run in enumerate(runs, 1):
        done = osp.isfile(osp.join(run.work_dir, 'result.json'))
        seed = '' if run.seed is None else f' seed {run.seed}'
        eta = _eta(run_seconds or teacher_seconds, len(runs) - index + 1)
        print(f'[{index}/{len(runs)}] {run.name}{seed}: '
              f'{"done" if done else "running"} ({eta})', flush=True)
        result = execute(run, teacher_ckpt, args)
        if not done:
            seconds = teacher_seconds if run.seed is None else run_seconds
            seconds.append(result['seconds'])
        if run.name == 'teacher':
            teacher_ckpt = result['checkpoint']
        results.setdefault(run.name, []).append(result)
        write_tables(spec, results, work_dir)
    with open(osp.join(work_dir, 'results.md')) as f:
        print(f.read())


if __name__ == '__main__':
    main()
