# Copyright (c) uet_mmdet authors. All rights reserved.
"""run_plan with a fake executor: order, cap, slots, failures, done runs."""
import threading
import time

from uet_mmdet.benchmark import Run, RunFailed, run_plan
from uet_mmdet.benchmark.scheduler import TEACHER_FAILED


def _plan(teacher_ckpt=None, seeds=(0, 1)):
    runs = [Run('teacher', 't.py', 'w/teacher', None, checkpoint=teacher_ckpt)]
    for seed in seeds:
        runs.append(Run('student', 's.py', f'w/student_seed{seed}', seed))
        runs.append(
            Run('FGD+UET', 'u.py', f'w/FGD_UET_seed{seed}', seed,
                distill=True))
    return runs


class FakeExecutor:
    """Sleeps per run (long enough for runs started together to overlap on
    a loaded machine) and records what it saw."""

    def __init__(self, fail=(), seconds=0.5):
        self.fail, self.seconds = set(fail), seconds
        self.lock = threading.Lock()
        self.events, self.calls, self.running, self.most = [], [], set(), 0

    def __call__(self, run, teacher_ckpt, slot):
        with self.lock:
            assert slot not in {s for _, s in self.running}
            self.running.add((run.work_dir, slot))
            self.most = max(self.most, len(self.running))
            self.calls.append((run.work_dir, teacher_ckpt, slot))
            self.events.append(('start', run.work_dir))
        time.sleep(self.seconds)
        with self.lock:
            self.running.discard((run.work_dir, slot))
            self.events.append(('end', run.work_dir))
        if run.work_dir in self.fail:
            raise RunFailed(f'tools/train.py ... failed (exit 1); see '
                            f'{run.work_dir}/train.log')
        return dict(checkpoint=run.checkpoint or f'{run.work_dir}/e1.pth')


def _index(events, event):
    return events.index(event)


def test_teacher_goes_before_distillation_runs_within_the_cap():
    fake, reported = FakeExecutor(), []
    outcomes = run_plan(
        _plan(),
        fake,
        max_parallel=2,
        report=lambda o: reported.append((o.state, o.index)))
    assert [o.state for o in outcomes] == ['finish'] * 5
    assert fake.most == 2  # the cap, reached: the student runs beside it
    teacher_end = _index(fake.events, ('end', 'w/teacher'))
    for seed in (0, 1):
        assert _index(fake.events,
                      ('start', f'w/FGD_UET_seed{seed}')) > teacher_end
    # the student alone needs no teacher: it starts beside it
    assert _index(fake.events, ('start', 'w/student_seed0')) < teacher_end
    ckpts = {work_dir: ckpt for work_dir, ckpt, _ in fake.calls}
    assert ckpts['w/FGD_UET_seed1'] == 'w/teacher/e1.pth'
    assert ckpts['w/student_seed0'] is None
    assert reported[0] == ('start', 0)
    assert sorted(i for s, i in reported if s == 'finish') == list(range(5))


def test_one_run_at_a_time_keeps_the_plan_order():
    fake = FakeExecutor(seconds=0)
    run_plan(_plan(), fake, max_parallel=1)
    assert fake.most == 1
    assert [w for w, _, _ in fake.calls] == [
        'w/teacher', 'w/student_seed0', 'w/FGD_UET_seed0', 'w/student_seed1',
        'w/FGD_UET_seed1'
    ]


def test_a_failed_run_is_reported_in_one_line_and_the_others_finish():
    fake, reported = FakeExecutor(fail={'w/student_seed0'}), []
    outcomes = run_plan(_plan(), fake, max_parallel=3, report=reported.append)
    states = {o.run.work_dir: o.state for o in outcomes}
    assert states.pop('w/student_seed0') == 'fail'
    assert set(states.values()) == {'finish'}
    failure = next(o for o in reported if o.state == 'fail')
    assert failure.error == ('tools/train.py ... failed (exit 1); see '
                             'w/student_seed0/train.log')
    assert '\n' not in failure.error


def test_a_failed_teacher_stops_only_the_runs_that_need_it():
    fake = FakeExecutor(fail={'w/teacher'})
    outcomes = run_plan(_plan(), fake, max_parallel=2)
    by_dir = {o.run.work_dir: o for o in outcomes}
    assert by_dir['w/student_seed1'].state == 'finish'
    for seed in (0, 1):
        assert by_dir[f'w/FGD_UET_seed{seed}'].error == TEACHER_FAILED
    assert not any('FGD_UET' in w for w, _, _ in fake.calls)


def test_done_runs_are_read_not_started():
    fake = FakeExecutor(seconds=0)

    def done(run):
        if run.work_dir in ('w/teacher', 'w/student_seed0'):
            return dict(checkpoint=f'{run.work_dir}/old.pth')
        return None

    outcomes = run_plan(_plan(), fake, max_parallel=2, done=done)
    assert [o.state for o in outcomes[:2]] == ['done', 'done']
    assert sorted(w for w, _, _ in fake.calls) == [
        'w/FGD_UET_seed0', 'w/FGD_UET_seed1', 'w/student_seed1'
    ]
    assert {c for w, c, _ in fake.calls if 'UET' in w} == {'w/teacher/old.pth'}


def test_a_given_teacher_checkpoint_is_evaluated_beside_the_others():
    fake = FakeExecutor()
    run_plan(_plan(teacher_ckpt='zoo/teacher.pth'), fake, max_parallel=5)
    assert fake.most == 5  # nothing waits for the teacher's evaluation
    assert {c for w, c, _ in fake.calls if 'UET' in w} == {'zoo/teacher.pth'}
