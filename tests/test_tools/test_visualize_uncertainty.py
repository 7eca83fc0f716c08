# Copyright (c) uet_mmdet authors. All rights reserved.
"""tools/analysis_tools/visualize_uncertainty.py on the FGD+UET demo config."""
import matplotlib.image

from ..helpers import (UET_DEMO, random_teacher_checkpoint, run_tool, tool,
                       write_test_config)

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
TOOL = tool('analysis_tools/visualize_uncertainty.py')


def test_writes_one_png_per_image(tmp_path, demo_data):
    ckpt = random_teacher_checkpoint(str(tmp_path / 'teacher.pth'))
    config = write_test_config(str(tmp_path / 'uet.py'), UET_DEMO, demo_data)
    out_dir = tmp_path / 'vis'
    args = [TOOL, config, '--teacher-ckpt', ckpt, '--out-dir', str(out_dir)]
    result = run_tool([*args, '--num-images', '2', '--energy-correlation'],
                      cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    paths, correlations = lines[:2], lines[2:]
    # 128 px images: level 4 is 1x1, without a ranking
    assert [line.split(':')[0]
            for line in correlations] == [f'fpn{i}' for i in range(4)]
    for line in correlations:
        assert line.endswith('over 2 images')
        assert -1 <= float(line.split('= ')[1].split()[0]) <= 1
    assert sorted(paths) == sorted(str(p) for p in out_dir.glob('*.png'))
    for path in paths:
        with open(path, 'rb') as f:
            assert f.read(8) == PNG_MAGIC
        pixels = matplotlib.image.imread(path)
        height, width = pixels.shape[:2]
        # one row: the image, then a panel for each of the 5 FPN levels
        assert height >= 200 and width >= 5 * height
        assert pixels[..., :3].std() > 0.05


def test_missing_checkpoint_is_one_error_line(tmp_path, demo_data):
    config = write_test_config(str(tmp_path / 'uet.py'), UET_DEMO, demo_data)
    given = run_tool(
        [TOOL, config, '--teacher-ckpt', 'missing.pth', '--out-dir', 'vis'],
        cwd=str(tmp_path))
    assert given.returncode == 2
    assert given.stderr.strip() == ('error: teacher checkpoint not found: '
                                    'missing.pth')
    # without --teacher-ckpt, the config's (relative, absent here) is used
    default = run_tool([TOOL, config, '--out-dir', 'vis'], cwd=str(tmp_path))
    assert default.returncode == 2
    lines = default.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: teacher '), lines
    assert 'work_dirs/demo/teacher_r50/epoch_16.pth' in lines[0]
    assert not (tmp_path / 'vis').exists()
