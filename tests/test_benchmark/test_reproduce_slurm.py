# Copyright (c) uet_mmdet authors. All rights reserved.
"""tools/reproduce.py --launcher slurm end to end on tiny data, with a fake
``srun`` that records its arguments and runs the job here.

The fake runs the job's command with ``--launcher=none`` instead of
``slurm``: mmengine's Slurm launcher needs CUDA, and the distributed
start-up is mmengine's, not ours to test. What is ours: every run is a job
of tools/slurm_train.sh / slurm_test.sh with the partition, job name, GPUs
and srun arguments; at most --max-parallel jobs in flight; the seeds in
parallel after the teacher; results, tables, and a rerun that skips all.
"""
import os
import os.path as osp
import sys

import pytest

from ..helpers import TEACHER_SCHEDULE, run_tool, tool, write_reproduce_spec

FAKE_SRUN = r"""#!/usr/bin/env bash
# fake srun: log "start|end TIME JOB ARGS", run the command here
job=unknown
for arg in "$@"; do
    case "$arg" in --job-name=*) job=${arg#--job-name=};; esac
done
echo "start $(date +%s.%N) $job $*" >> "$FAKE_SRUN_LOG"
while [ $# -gt 0 ]; do
    case "$1" in
        -p) shift 2;;
        -*) shift;;
        *) break;;
    esac
done
command=()
for arg in "$@"; do
    [ "$arg" = "--launcher=slurm" ] && arg=--launcher=none
    command+=("$arg")
done
status=0
"${command[@]}" || status=$?
echo "end $(date +%s.%N) $job" >> "$FAKE_SRUN_LOG"
exit $status
"""


def _fake_srun(root: str) -> dict:
    bin_dir = osp.join(root, 'bin')
    os.makedirs(bin_dir)
    with open(osp.join(bin_dir, 'srun'), 'w') as f:
        f.write(FAKE_SRUN)
    os.chmod(osp.join(bin_dir, 'srun'), 0o755)
    path = os.pathsep.join(
        [bin_dir, osp.dirname(sys.executable), os.environ['PATH']])
    return dict(
        PATH=path,
        FAKE_SRUN_LOG=osp.join(root, 'srun.log'),
        OMP_NUM_THREADS='1')


def _jobs(log_file: str) -> list:
    """(job, start, end, args) per srun call, in start order."""
    starts, ends = {}, {}
    with open(log_file) as f:
        for line in f:
            event, when, job, *args = line.split()
            if event == 'start':
                starts.setdefault(job, []).append((float(when), args))
            else:
                ends.setdefault(job, []).append(float(when))
    jobs = [(job, start, end, args) for job in starts
            for (start, args), end in zip(starts[job], ends[job])]
    return sorted(jobs, key=lambda job: job[1])


@pytest.mark.slow
def test_reproduce_sends_runs_to_slurm_in_parallel_and_resumes(tmp_path):
    root = str(tmp_path)
    spec = write_reproduce_spec(root)
    with open(osp.join(root, 'schedule.py'), 'w') as f:
        f.write(TEACHER_SCHEDULE)  # students of one epoch too
    work_dir = osp.join(root, 'bench')
    env = _fake_srun(root)
    args = [
        tool('reproduce.py'), spec, '--work-dir', work_dir, '--launcher',
        'slurm', '--partition', 'fake', '--gpus', '1', '--max-parallel', '2',
        '--srun-args', '--time=5 --comment=x'
    ]
    first = run_tool(args, cwd=root, env=env, timeout=600)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]

    jobs = _jobs(env['FAKE_SRUN_LOG'])
    names = [
        f'{prefix}_seed{seed}' for seed in (0, 1)
        for prefix in ('student', 'FGD_UET')
    ] + ['teacher']
    # each run: a training job, then an evaluation job, same name
    assert sorted(job for job, *_ in jobs) == sorted(f'tiny_{name}'
                                                     for name in names
                                                     for _ in range(2))
    for job, _, _, srun_args in jobs:
        assert srun_args[:2] == ['-p', 'fake']
        for expected in (f'--job-name={job}', '--gres=gpu:1', '--ntasks=1',
                         '--time=5', '--comment=x', '--launcher=slurm'):
            assert expected in srun_args
    scripts = [
        next(a for a in srun_args if a.endswith('.py'))
        for *_, srun_args in jobs
    ]
    assert sorted(osp.basename(s)
                  for s in scripts) == ['test.py'] * 5 + ['train.py'] * 5
    # at most 2 jobs in flight; distillation after the teacher's training
    for _, start, _, _ in jobs:
        assert sum(s <= start < e for _, s, e, _ in jobs) <= 2
    teacher_trained = min(e for job, _, e, _ in jobs if job == 'tiny_teacher')
    assert all(s > teacher_trained for job, s, _, _ in jobs if 'UET' in job)

    def span(seed):
        times = [(s, e) for job, s, e, _ in jobs if job.endswith(f'd{seed}')]
        return min(s for s, _ in times), max(e for _, e in times)

    assert span(1)[0] < span(0)[1] and span(0)[0] < span(1)[1]  # overlap

    for name in names:
        assert osp.isfile(osp.join(work_dir, name, 'result.json'))
        assert osp.isfile(osp.join(work_dir, name, 'train.log'))
    table = open(osp.join(work_dir, 'results.md')).read()
    for row in ('| teacher | 1 |', '| student | 2 |', '| FGD+UET | 2 |'):
        assert row in table
    assert first.stdout.count(': finished in') == 5

    again = run_tool(args, cwd=root, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count(': done') == 5
    assert len(_jobs(env['FAKE_SRUN_LOG'])) == len(jobs)  # no new job
    assert open(osp.join(work_dir, 'results.md')).read() == table
