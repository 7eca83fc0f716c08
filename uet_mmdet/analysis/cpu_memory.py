# Copyright (c) uet_mmdet authors. All rights reserved.
"""Peak CPU memory of one call, from the allocation events of
``torch.profiler``."""
import json
import os.path as osp
import tempfile
from typing import Callable, Optional

from torch.profiler import ProfilerActivity, profile, record_function

MARKER = 'uet_mmdet.measured_step'
# 'Device Type' of CPU allocations in the profiler's trace
CPU_DEVICE_TYPE = 0


def cpu_peak_bytes(step: Callable[[], None]) -> Optional[int]:
    """Peak bytes allocated and not freed during one ``step`` (CPU), above
    what was live when it started.

    ``step`` runs twice under the profiler and the second run is measured:
    the profiler cannot see frees of blocks allocated before it started
    (e.g. the previous call's results), which would inflate the peak. The
    allocation events are read from the profiler's Chrome trace export, the
    public form of its event stream.

    Args:
        step (callable): The call to measure, e.g. a training iteration.

    Returns:
        int, optional: The peak in bytes; ``None`` when the trace has no
        allocation event inside the measured run.
    """
    with profile(
            activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
        with record_function(MARKER):
            step()
    with tempfile.TemporaryDirectory() as folder:
        path = osp.join(folder, 'trace.json')
        prof.export_chrome_trace(path)
        with open(path) as f:
            events = json.load(f)['traceEvents']
    marker = next(event for event in events if event.get('name') == MARKER)
    start, end = marker['ts'], marker['ts'] + marker['dur']
    # sorted is stable: events of one timestamp keep their recorded order
    deltas = sorted(((event['ts'], event['args']['Bytes'])
                     for event in events if event.get('name') == '[memory]'
                     and event['args'].get('Device Type') == CPU_DEVICE_TYPE),
                    key=lambda delta: delta[0])
    return peak_above_start(deltas, start, end)


def peak_above_start(deltas, start: float, end: float) -> Optional[int]:
    """The peak of a running sum of allocations within ``[start, end]``,
    above its value at ``start``.

    Args:
        deltas (Sequence[tuple]): ``(time, bytes)`` of each allocation
            (positive) and free (negative), in time order.
        start (float): Start of the interval.
        end (float): End of the interval.

    Returns:
        int, optional: The peak; ``None`` without events in the interval.
    """
    live = 0
    base = peak = None
    for when, nbytes in deltas:
        if when > end:
            break
        if base is None and when >= start:
            base = peak = live
        live += nbytes
        if base is not None:
            peak = max(peak, live)
    return None if base is None else peak - base


__all__ = ['cpu_peak_bytes', 'peak_above_start']
