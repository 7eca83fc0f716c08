# Copyright (c) uet_mmdet authors. All rights reserved.
"""Benchmark tables: mean and std over seeds, written as md, csv and PNG."""
import csv
import statistics
from typing import Dict, List, Optional, Sequence

METRICS = ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s',
           'bbox_mAP_m', 'bbox_mAP_l')
HEADERS = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl')


def summarize(name: str,
              results: Sequence[dict],
              published: Optional[float] = None) -> dict:
    """Mean and std (over seeds) of every metric x 100, seconds per
    iteration and peak memory of one table row. A metric COCO could not
    measure (-1: no object of that size) is ``None``.

    Args:
        name (str): Row name.
        results (Sequence[dict]): One dict per seed with ``metrics``
            (``coco/bbox_*``), ``sec_per_iter`` and ``peak_mib``.
        published (float, optional): Published mAP to print beside it.
    """
    row = dict(name=name, runs=len(results), published=published)
    for metric in METRICS:
        values = [100 * r['metrics'][f'coco/{metric}'] for r in results]
        if min(values) < 0:
            row[metric] = row[f'{metric}_std'] = None
            continue
        row[metric] = statistics.mean(values)
        row[f'{metric}_std'] = statistics.stdev(values) if len(
            values) > 1 else 0.0
    for key in ('sec_per_iter', 'peak_mib'):
        values = [r[key] for r in results if r.get(key) is not None]
        row[key] = statistics.mean(values) if values else None
    return row


def _cell(row: dict, metric: str) -> str:
    if row[metric] is None:
        return '-'
    if row['runs'] > 1:
        return f'{row[metric]:.1f} ± {row[f"{metric}_std"]:.1f}'
    return f'{row[metric]:.1f}'


def markdown_table(rows: List[dict], baseline: str = 'student') -> str:
    """The paper-style table: mean ± std, Δ AP to the baseline row."""
    base = next((row for row in rows if row['name'] == baseline), None)
    lines = [
        '| method | runs | ' + ' | '.join(HEADERS) +
        ' | Δ AP | published AP | s/iter | peak MiB |',
        '|---' * (len(HEADERS) + 6) + '|'
    ]
    for row in rows:
        delta = ('-' if base is None or row is base or row['name'] == 'teacher'
                 else f'{row["bbox_mAP"] - base["bbox_mAP"]:+.1f}')
        published = ('-' if row.get('published') is None else
                     f'{row["published"]:.1f}')
        speed = ('-' if row['sec_per_iter'] is None else
                 f'{row["sec_per_iter"]:.2f}')
        memory = ('-' if row['peak_mib'] is None else f'{row["peak_mib"]:.0f}')
        cells = ' | '.join(_cell(row, metric) for metric in METRICS)
        lines.append(f'| {row["name"]} | {row["runs"]} | {cells} | {delta} '
                     f'| {published} | {speed} | {memory} |')
    return '\n'.join(lines) + '\n'


def write_csv(rows: List[dict], path: str) -> None:
    """Every field of every row; numbers rounded to 4 decimals, a missing
    value empty."""
    fields = list(rows[0])
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({
                key:
                round(value, 4) if isinstance(value, float) else value
                for key, value in row.items()
            })


def write_chart(rows: List[dict], path: str, title: str) -> None:
    """mAP per method with std error bars and the mean written above."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.figure import Figure

    figure = Figure(figsize=(1.4 * len(rows) + 2, 3.5))
    axes = figure.subplots()
    names = [row['name'] for row in rows]
    bars = axes.bar(
        names, [row['bbox_mAP'] for row in rows],
        yerr=[row['bbox_mAP_std'] for row in rows],
        capsize=4,
        color=[
            '#888888' if name in ('teacher', 'student') else '#3b75af'
            for name in names
        ])
    axes.bar_label(bars, fmt='%.1f', padding=3)
    axes.margins(y=0.15)
    axes.set_ylabel('COCO mAP x 100')
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def rows_from_results(order: List[str], results: Dict[str, List[dict]],
                      published: Dict[str, Optional[float]]) -> List[dict]:
    """Rows in ``order`` for the names that have results."""
    return [
        summarize(name, results[name], published.get(name)) for name in order
        if results.get(name)
    ]


__all__ = [
    'HEADERS', 'METRICS', 'markdown_table', 'rows_from_results', 'summarize',
    'write_chart', 'write_csv'
]
