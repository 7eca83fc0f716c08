# Copyright (c) uet_mmdet authors. All rights reserved.
"""Which runs of a plan go when: the teacher before every run that reads
its checkpoint, at most ``max_parallel`` runs at once, the rest as soon as a
slot frees; a failed run is reported and the others go on.

The scheduler knows no tools: ``execute(run, teacher_ckpt, slot)`` trains
and evaluates a run (blocking; it runs in a thread of its own) and
``done(run)`` reads the result of a run finished earlier, which is never
started again. A run's slot (``0 .. max_parallel - 1``) is held by no other
run while it goes: it names the GPUs and port the run may use.
"""
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, List, Optional

from .spec import Run

TEACHER_FAILED = 'not run: the teacher failed'


@dataclass
class Outcome:
    """What became of the plan's run ``index``: ``state`` is ``done``
    (finished earlier), ``start``, ``finish`` or ``fail`` (``error``, one
    line)."""
    index: int
    run: Run
    state: str
    result: Optional[dict] = None
    error: Optional[str] = None


def _message(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    text = text[0] if text else ''
    if type(error).__name__ == 'RunFailed':
        return text
    return f'{type(error).__name__}: {text}'


def run_plan(
        runs: List[Run],
        execute: Callable[[Run, Optional[str], int], dict],
        max_parallel: int = 1,
        done: Callable[[Run], Optional[dict]] = lambda run: None,
        report: Callable[[Outcome],
                         None] = lambda outcome: None) -> List[Outcome]:
    """Run every run of the plan; return the last outcome of each, in plan
    order.

    Runs start in plan order as slots free. A distillation run waits for
    the teacher's checkpoint (the teacher run's ``checkpoint``, or its
    result's); when the teacher fails, they fail without starting.
    ``report`` hears of every outcome, in the calling thread.
    """
    teacher = next((i for i, run in enumerate(runs) if run.name == 'teacher'),
                   None)
    teacher_ckpt = None if teacher is None else runs[teacher].checkpoint
    outcomes: List[Optional[Outcome]] = [None] * len(runs)

    def settle(outcome: Outcome) -> None:
        nonlocal teacher_ckpt
        outcomes[outcome.index] = outcome
        if outcome.index == teacher and outcome.result is not None:
            teacher_ckpt = outcome.result.get('checkpoint')
        report(outcome)

    pending = []
    for index, run in enumerate(runs):
        result = done(run)
        if result is None:
            pending.append(index)
        else:
            settle(Outcome(index, run, 'done', result=result))

    def blocked(index: int) -> bool:
        return (runs[index].distill and teacher is not None
                and teacher_ckpt is None)

    free_slots = list(range(max_parallel))
    running = {}
    with ThreadPoolExecutor(max_workers=max_parallel) as pool:
        while pending or running:
            for index in list(pending):
                if not free_slots:
                    break
                if blocked(index):
                    if outcomes[teacher] is not None and (
                            outcomes[teacher].state == 'fail'):
                        pending.remove(index)
                        settle(
                            Outcome(
                                index,
                                runs[index],
                                'fail',
                                error=TEACHER_FAILED))
                    continue
                pending.remove(index)
                slot = free_slots.pop(0)
                report(Outcome(index, runs[index], 'start'))
                future = pool.submit(execute, runs[index], teacher_ckpt, slot)
                running[future] = (index, slot)
            if not running:  # only runs waiting for a teacher that is not
                for index in pending:  # in the plan's reach
                    settle(
                        Outcome(
                            index, runs[index], 'fail', error=TEACHER_FAILED))
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: running[f][0]):
                index, slot = running.pop(future)
                free_slots.append(slot)
                free_slots.sort()
                try:
                    outcome = Outcome(
                        index, runs[index], 'finish', result=future.result())
                except Exception as error:  # reported; the others go on
                    outcome = Outcome(
                        index, runs[index], 'fail', error=_message(error))
                settle(outcome)
    return outcomes


__all__ = ['Outcome', 'run_plan', 'TEACHER_FAILED']
