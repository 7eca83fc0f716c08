# Copyright (c) uet_mmdet authors. All rights reserved.
import torch

from uet_mmdet.models.losses import background_mask, fgd_masks, foreground_mask

IMAGE = (64.0, 64.0)  # height, width in pixels
CELLS = (8, 8)  # stride 8


def _boxes(*boxes):
    return torch.tensor(boxes, dtype=torch.float32).view(-1, 4)


def test_box_covers_inclusive_cell_range():
    # x 8..24 -> cells 1..3, y 16..32 -> cells 2..4: 3 x 3 cells
    mask = foreground_mask(_boxes([8, 16, 24, 32]), IMAGE, CELLS)
    expected = torch.zeros(CELLS)
    expected[2:5, 1:4] = 1 / 9
    torch.testing.assert_close(mask, expected)


def test_overlapping_boxes_small_box_wins():
    big = [0, 0, 32, 32]  # cells 0..4 x 0..4 -> 1/25
    small = [24, 24, 40, 40]  # cells 3..5 x 3..5 -> 1/9
    mask = foreground_mask(_boxes(big, small), IMAGE, CELLS)
    expected = torch.zeros(CELLS)
    expected[0:5, 0:5] = 1 / 25
    expected[3:6, 3:6] = 1 / 9
    torch.testing.assert_close(mask, expected)
    # order does not matter
    torch.testing.assert_close(
        foreground_mask(_boxes(small, big), IMAGE, CELLS), expected)


def test_box_on_the_border_counts_the_cell_beyond_the_map():
    # x2 = 64 -> cell 8, one past the last column: the value divides by 3
    # columns (6, 7, 8) but only 6 and 7 exist, as in the original FGD.
    mask = foreground_mask(_boxes([48, 0, 64, 8]), IMAGE, CELLS)
    expected = torch.zeros(CELLS)
    expected[0:2, 6:8] = 1 / (2 * 3)
    torch.testing.assert_close(mask, expected)


def test_box_smaller_than_a_cell():
    # x, y 9..11 -> floor 1, ceil 2: 2 x 2 cells of 1/4
    mask = foreground_mask(_boxes([9, 9, 11, 11]), IMAGE, CELLS)
    expected = torch.zeros(CELLS)
    expected[1:3, 1:3] = 1 / 4
    torch.testing.assert_close(mask, expected)


def test_image_without_boxes():
    fg, bg = fgd_masks([_boxes()], [IMAGE], CELLS)
    assert torch.count_nonzero(fg) == 0
    torch.testing.assert_close(bg, torch.full((1, *CELLS), 1 / 64))


def test_background_is_normalised_per_image_and_zero_sum_kept():
    fg = torch.zeros(2, 2, 2)
    fg[0, 0, 0] = 0.5
    fg[1] = 1.0  # all foreground: background sum is 0 and stays 0
    bg = background_mask(fg)
    torch.testing.assert_close(bg[0],
                               torch.tensor([[0., 1 / 3], [1 / 3, 1 / 3]]))
    torch.testing.assert_close(bg[1], torch.zeros(2, 2))
    assert torch.isfinite(bg).all()


def test_padded_batch_with_different_image_sizes():
    # Two images padded into one 64 x 64 batch, feature map 8 x 8 (stride 8).
    # A box at the same pixels lands on the same cells whatever the image
    # size when scaled by the padded batch input; scaling by each image's
    # own size (the original FGD) moves it.
    box = _boxes([16, 16, 32, 32])
    batch_input = [(64, 64), (64, 64)]
    fg, _ = fgd_masks([box, box], batch_input, CELLS)
    torch.testing.assert_close(fg[0], fg[1])
    assert fg[0][2:5, 2:5].eq(1 / 9).all()

    img_shapes = [(64, 64), (32, 48)]  # the second image is 32 x 48 pixels
    fg, _ = fgd_masks([box, box], img_shapes, CELLS)
    # x 16..32 / 48 * 8 -> 2.67..5.33 -> 2..6; y 16..32 / 32 * 8 -> 4..8
    expected = torch.zeros(CELLS)
    expected[4:8, 2:7] = 1 / (5 * 5)
    torch.testing.assert_close(fg[1], expected)
