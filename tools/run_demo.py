# Copyright (c) uet_mmdet authors. All rights reserved.
"""The demo: teacher -> student -> distilled student on the embedded data.

    python tools/run_demo.py [--work-dir work_dirs/demo]

Generates the demo data, trains the RetinaNet R50 teacher, the R18 student
alone and the R18 student distilled from the teacher (PKD on the FPN), exports
the distilled student to a plain mmdet checkpoint, evaluates all three with
tools/test.py and prints a table. Finished steps are skipped when run again.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEACHER_CFG = 'configs/demo/retinanet_r50_fpn_demo.py'
STUDENT_CFG = 'configs/demo/retinanet_r18_fpn_demo.py'
DISTILL_CFG = 'configs/pkd/pkd_fpn_retinanet_r50_retinanet_r18_demo.py'
METRICS = ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75')
# small images so that each training run takes minutes on 2 CPU cores
DATA_OPTIONS = ('--img-size', '128', '--min-size', '8', '--max-size', '64',
                '--size-jitter', '8', '--max-objects', '6')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/uet_demo')
    parser.add_argument('--num-train', type=int, default=800)
    parser.add_argument('--num-val', type=int, default=200)
    return parser.parse_args()


def run(command: List[str], log_file: str) -> float:
    """Run a repository tool, output to ``log_file``; return seconds."""
    start = time.time()
    with open(log_file, 'w') as log:
        result = subprocess.run([sys.executable, *command],
                                cwd=REPO_ROOT,
                                stdout=log,
                                stderr=subprocess.STDOUT)
    if result.returncode != 0:
        sys.exit(f'failed: {" ".join(command)} (see {log_file})')
    return time.time() - start


class Demo:
    """Runs the steps and remembers their timings in ``timings.json``."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work_dir = args.work_dir
        os.makedirs(self.work_dir, exist_ok=True)
        self.timings_file = osp.join(self.work_dir, 'timings.json')
        self.timings: Dict[str, float] = {}
        if osp.isfile(self.timings_file):
            with open(self.timings_file) as f:
                self.timings = json.load(f)

    def _record(self, step: str, seconds: float) -> None:
        self.timings[step] = round(seconds, 1)
        with open(self.timings_file, 'w') as f:
            json.dump(self.timings, f, indent=2)
        print(f'[demo] {step}: {seconds / 60:.1f} min', flush=True)

    def _cfg_options(self) -> List[str]:
        data_root = self.args.data_root.rstrip('/') + '/'
        val_ann = f'{data_root}annotations/instances_val.json'
        return [
            f'train_dataloader.dataset.data_root={data_root}',
            f'val_dataloader.dataset.data_root={data_root}',
            f'test_dataloader.dataset.data_root={data_root}',
            f'val_evaluator.ann_file={val_ann}',
            f'test_evaluator.ann_file={val_ann}',
        ]

    def generate_data(self) -> None:
        seconds = run([
            'tools/misc/generate_demo_data.py', '--out', self.args.data_root,
            '--num-train',
            str(self.args.num_train), '--num-val',
            str(self.args.num_val), *DATA_OPTIONS
        ], osp.join(self.work_dir, 'generate_data.log'))
        if 'generate data' not in self.timings:
            self._record('generate data', seconds)

    def train(self, name: str, config: str, *options: str) -> str:
        work_dir = osp.join(self.work_dir, name)
        last = osp.join(work_dir, 'last_checkpoint')
        if not (osp.isfile(last) and name in self.timings):
            print(f'[demo] training {name}: {config}', flush=True)
            seconds = run([
                'tools/train.py', config, '--work-dir', work_dir,
                '--cfg-options', *self._cfg_options(), *options
            ], osp.join(self.work_dir, f'train_{name}.log'))
            self._record(name, seconds)
        with open(last) as f:
            return f.read().strip()

    def evaluate(self, name: str, config: str, checkpoint: str) -> dict:
        metrics_file = osp.join(self.work_dir, f'{name}_metrics.json')
        if not osp.isfile(metrics_file):
            run([
                'tools/test.py', config, checkpoint, '--work-dir',
                osp.join(self.work_dir, f'{name}_test'), '--metrics-out',
                metrics_file, '--cfg-options', *self._cfg_options()
            ], osp.join(self.work_dir, f'test_{name}.log'))
        with open(metrics_file) as f:
            return json.load(f)

    def main(self) -> None:
        self.generate_data()
        teacher_ckpt = self.train('teacher_r50', TEACHER_CFG)
        student_ckpt = self.train('student_r18', STUDENT_CFG)
        distill_ckpt = self.train('pkd_r50_r18', DISTILL_CFG,
                                  f'model.teacher_ckpt={teacher_ckpt}')
        exported = osp.join(self.work_dir, 'pkd_r50_r18_student.pth')
        run([
            'tools/model_converters/extract_student.py', distill_ckpt, exported
        ], osp.join(self.work_dir, 'export.log'))
        rows = [
            ('RetinaNet R50 (teacher)', 'teacher_r50',
             self.evaluate('teacher_r50', TEACHER_CFG, teacher_ckpt)),
            ('RetinaNet R18 (student)', 'student_r18',
             self.evaluate('student_r18', STUDENT_CFG, student_ckpt)),
            ('RetinaNet R18 + PKD from R50', 'pkd_r50_r18',
             self.evaluate('pkd_r50_r18', STUDENT_CFG, exported)),
        ]
        print(self.table(rows))

    def table(self, rows) -> str:
        lines = [
            '| model | mAP | AP50 | AP75 | train min (2 CPU cores) |',
            '|---|---|---|---|---|'
        ]
        for title, step, metrics in rows:
            values = ' | '.join(f'{100 * metrics[f"coco/{key}"]:.1f}'
                                for key in METRICS)
            lines.append(f'| {title} | {values} | '
                         f'{self.timings[step] / 60:.1f} |')
        return '\n'.join(lines)


if __name__ == '__main__':
    Demo(parse_args()).main()
