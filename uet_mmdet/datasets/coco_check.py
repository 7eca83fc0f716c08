# Copyright (c) uet_mmdet authors. All rights reserved.
"""Checks a COCO annotation file against its image folder.

Everything mmdet's ``CocoDataset`` would crash on or drop without a word is a
problem here: a missing or undecodable image, a json size that is not the
image's, a box outside its image or under 1 px, a category or image id that is
not defined, an id used twice, classes that do not match the file's
categories. Images without boxes are counted. Knows no model and imports no
OpenMMLab code.
"""
import copy
import json
import math
import os.path as osp
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from uet_mmdet.errors import UserInputError

PROBLEM_KINDS: Dict[str, str] = {
    'missing_file': 'an image or annotation file is not there',
    'unreadable_image': 'an image file does not decode',
    'size_mismatch': "the image's size is not the json's width and height",
    'box_outside': 'a box reaches outside its image',
    'box_too_small': 'a box under 1 px wide or high, or with area <= 0 '
    '(mmdet drops it)',
    'malformed': 'a record lacks a field or has a value of the wrong type',
    'unknown_category': "an annotation's category_id is not a category of "
    'the file',
    'unknown_image': "an annotation's image_id is not an image of the file",
    'duplicate_id': 'an image or annotation id is used twice',
    'class_mismatch': "the dataset's classes disagree with the file's "
    'categories',
    'num_classes': "a model's num_classes is not the number of classes",
}
# box problems mmdet copes with (it drops boxes under 1 px, keeps boxes that
# reach outside the image): reported, not refused (COCO train2017 has
# zero-height boxes)
REPORTED_ONLY = ('box_too_small', 'box_outside')
# the config key listing models whose num_classes stay as configured, e.g.
# keep_num_classes = ['model.teacher'] for a COCO teacher of FPN features
KEEP_KEY = 'keep_num_classes'

# EXIF orientations that swap width and height; OpenCV (mmcv's default
# backend) applies them when it decodes, so training sees the swapped size.
_TRANSPOSING_ORIENTATIONS = (5, 6, 7, 8)
_EXIF_ORIENTATION = 0x0112


class DatasetCheckError(UserInputError):
    """The data a run would use has problems (see the message: a count,
    then one problem a line)."""


@dataclass(frozen=True)
class DataProblem:
    """One thing wrong with a dataset.

    ``image_id`` and ``ann_id`` are ``None`` where the problem is not one
    image's or one annotation's; such a problem cannot be skipped.
    """
    kind: str
    message: str
    image_id: Any = None
    ann_id: Any = None
    file_name: Optional[str] = None

    def __post_init__(self) -> None:
        if self.kind not in PROBLEM_KINDS:
            raise ValueError(f'unknown problem kind {self.kind!r}')

    @property
    def skippable(self) -> bool:
        """Dropping images removes it (it belongs to an image or box)."""
        return self.image_id is not None or self.ann_id is not None

    def line(self) -> str:
        """One line: ``kind image=ID ann=ID file=NAME: message``."""

        def text(value: Any) -> str:
            return '-' if value is None else str(value)

        return (f'{self.kind} image={text(self.image_id)} '
                f'ann={text(self.ann_id)} file={text(self.file_name)}: '
                f'{self.message}')


@dataclass
class DatasetReport:
    """What :func:`check_coco_dataset` found in one annotation file."""
    ann_file: str
    img_dir: str
    num_images: int = 0
    num_annotations: int = 0
    problems: List[DataProblem] = field(default_factory=list)
    empty_image_ids: List[Any] = field(default_factory=list)
    # annotations mmdet ignores on purpose: {reason: count}
    ignored: Dict[str, int] = field(default_factory=dict)

    @property
    def bad_image_ids(self) -> Set[Any]:
        """Ids of the images of the file that have a problem or a bad box."""
        return {
            problem.image_id
            for problem in self.problems
            if problem.image_id is not None and problem.kind != 'unknown_image'
        }

    @property
    def fatal(self) -> List[DataProblem]:
        """The problems no dropping of images can remove."""
        return [p for p in self.problems if not p.skippable]

    def counts(self) -> Dict[str, int]:
        """Number of problems of each kind, in :data:`PROBLEM_KINDS` order."""
        found = Counter(problem.kind for problem in self.problems)
        return {kind: found[kind] for kind in PROBLEM_KINDS if found[kind]}

    def summary(self) -> str:
        """One line: images, annotations, empty images, ignored, problems."""
        parts = [
            f'{self.num_images} images', f'{self.num_annotations} annotations',
            f'{len(self.empty_image_ids)} empty images'
        ]
        parts += [
            f'{count} annotations ignored ({reason})'
            for reason, count in self.ignored.items() if count
        ]
        counts = ', '.join(f'{kind} {count}'
                           for kind, count in self.counts().items())
        parts.append(f'{len(self.problems)} problems' +
                     (f' ({counts})' if counts else ''))
        return ', '.join(parts)


def _number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _hashable_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def image_size(path: str, decode: bool = True) -> Tuple[int, int]:
    """``(width, height)`` of an image as mmdet loads it.

    Args:
        path (str): Image file.
        decode (bool): Decode every pixel, so a truncated or corrupt file
            fails; otherwise only the header is read. Defaults to True.

    Returns:
        tuple[int, int]: Width and height after the EXIF orientation.

    Raises:
        OSError: The file does not open or decode.
    """
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - PIL is a dependency of mmdet
        return _cv2_image_size(path)
    with Image.open(path) as image:
        if decode:
            image.load()
        width, height = image.size
        orientation = 1
        if decode or image.format != 'PNG':  # PIL decodes a PNG for its EXIF
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    if orientation in _TRANSPOSING_ORIENTATIONS:
        width, height = height, width
    return width, height


def _cv2_image_size(path: str) -> Tuple[int, int]:  # pragma: no cover
    import cv2
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise OSError('OpenCV cannot decode it')
    return image.shape[1], image.shape[0]


def _open_problem(
        path: str,
        decode: bool) -> Tuple[Optional[Tuple[int, int]], Optional[str]]:
    if not osp.isfile(path):
        return None, None
    try:
        return image_size(path, decode), None
    except Exception as error:  # any decoder error means training fails
        return None, f'{type(error).__name__}: {error}'


def _load_json(ann_file: str) -> Tuple[Optional[dict], List[DataProblem]]:
    if not osp.isfile(ann_file):
        return None, [
            DataProblem(
                'missing_file',
                'annotation file not found',
                file_name=ann_file)
        ]
    try:
        with open(ann_file) as f:
            coco = json.load(f)
    except (OSError, ValueError) as error:
        return None, [
            DataProblem(
                'malformed', f'annotation file does not '
                f'parse: {error}',
                file_name=ann_file)
        ]
    missing = [
        key for key in ('images', 'annotations', 'categories')
        if not isinstance(coco, dict) or not isinstance(coco.get(key), list)
    ]
    if missing:
        return None, [
            DataProblem(
                'malformed', 'annotation file has no list '
                f'{", ".join(missing)}',
                file_name=ann_file)
        ]
    return coco, []


def _class_problems(categories: List[dict],
                    classes: Sequence[str]) -> List[DataProblem]:
    names = [cat.get('name') for cat in categories]
    problems = [
        DataProblem(
            'class_mismatch', f'class {name!r} is not a category of '
            f'the file (categories: {names})') for name in classes
        if name not in names
    ]
    used = [name for name in names if name in classes]
    if not problems and used != list(classes):
        problems.append(
            DataProblem(
                'class_mismatch',
                'mmdet numbers the labels in the order of the '
                f"file's categories, {used}, not in the order of the classes, "
                f'{list(classes)}: every box would get the wrong class name'))
    return problems


def _image_records(coco: dict, problems: List[DataProblem]) -> Dict[Any, dict]:
    """Valid image records by id; problems of the others appended."""
    images: Dict[Any, dict] = {}
    for index, image in enumerate(coco['images']):
        image_id = image.get('id') if isinstance(image, dict) else None
        if not _hashable_id(image_id):
            problems.append(
                DataProblem('malformed', f'images[{index}] has no valid id'))
            continue
        file_name = image.get('file_name')
        if image_id in images:
            problems.append(
                DataProblem(
                    'duplicate_id', f'image id {image_id} is used by images '
                    f'{images[image_id]["file_name"]!r} and {file_name!r}',
                    image_id,
                    file_name=file_name))
            continue
        images[image_id] = image
        if not isinstance(file_name, str) or not file_name:
            problems.append(
                DataProblem('malformed', 'image has no file_name', image_id))
        for key in ('width', 'height'):
            value = image.get(key)
            if not _number(value) or value <= 0:
                problems.append(
                    DataProblem(
                        'malformed',
                        f'image {key} is {value!r}, not a positive '
                        'number',
                        image_id,
                        file_name=file_name))
    return images


def _check_files(images: Dict[Any, dict], img_dir: str, decode: bool,
                 num_workers: int, problems: List[DataProblem]) -> None:
    named = [(image_id, image) for image_id, image in images.items()
             if isinstance(image.get('file_name'), str) and image['file_name']]
    paths = [osp.join(img_dir, image['file_name']) for _, image in named]
    with ThreadPoolExecutor(max(1, num_workers)) as pool:
        opened = list(
            pool.map(lambda path: _open_problem(path, decode), paths))
    for (image_id, image), path, (size, error) in zip(named, paths, opened):
        file_name = image['file_name']
        if size is None and error is None:
            problems.append(
                DataProblem(
                    'missing_file',
                    f'image file not found: {path}',
                    image_id,
                    file_name=file_name))
        elif error is not None:
            problems.append(
                DataProblem(
                    'unreadable_image',
                    f'{path} does not decode: {error}',
                    image_id,
                    file_name=file_name))
        elif (_number(image.get('width')) and _number(image.get('height'))
              and size != (image['width'], image['height'])):
            problems.append(
                DataProblem(
                    'size_mismatch', f'the image is {size[0]}x{size[1]}, the '
                    f'json says {image["width"]}x{image["height"]}',
                    image_id,
                    file_name=file_name))


def _box_problem(ann: dict, image: dict,
                 tolerance: float) -> Optional[Tuple[str, str]]:
    bbox = ann.get('bbox')
    if (not isinstance(bbox, (list, tuple)) or len(bbox) != 4
            or not all(_number(v) for v in bbox)):
        return 'malformed', f'bbox is {bbox!r}, not 4 numbers [x, y, w, h]'
    if not _number(ann.get('area')):
        return 'malformed', f'area is {ann.get("area")!r}, not a number'
    x, y, w, h = bbox
    if w < 1 or h < 1 or ann['area'] <= 0:
        return 'box_too_small', (f'box [x, y, w, h] = {list(bbox)} with area '
                                 f'{ann["area"]}: width and height must be '
                                 '>= 1 px and area > 0')
    width, height = image.get('width'), image.get('height')
    if not (_number(width) and _number(height)):
        return None  # the image's own problem says why
    if (x < -tolerance or y < -tolerance or x + w > width + tolerance
            or y + h > height + tolerance):
        return 'box_outside', (
            f'box [x, y, w, h] = {list(bbox)} spans x {x:g}..{x + w:g}, '
            f'y {y:g}..{y + h:g}; the image is {width}x{height} '
            f'(tolerance {tolerance:g} px)')
    return None


def check_coco_dataset(ann_file: str,
                       img_dir: str,
                       classes: Optional[Sequence[str]] = None,
                       tolerance: float = 1.0,
                       decode: bool = True,
                       num_workers: int = 1) -> DatasetReport:
    """Check a COCO annotation file and the images it names.

    Args:
        ann_file (str): COCO json.
        img_dir (str): Folder the images' ``file_name`` is relative to (the
            dataset's ``data_prefix.img`` joined to its ``data_root``).
        classes (Sequence[str], optional): The dataset's ``metainfo.classes``.
            Every class must be a category of the file, in the file's order
            (mmdet numbers labels by it); boxes of other categories are
            counted as ignored, as mmdet ignores them. ``None`` uses every
            category.
        tolerance (float): Pixels a box may reach outside its image (float
            rounding of the json). Defaults to 1.
        decode (bool): Decode every image, not only its header. Defaults to
            True.
        num_workers (int): Threads that open images. Defaults to 1.

    Returns:
        DatasetReport: Counts, empty images and every problem, each with its
        image id, annotation id and file name.
    """
    report = DatasetReport(ann_file=ann_file, img_dir=img_dir)
    coco, report.problems = _load_json(ann_file)
    if coco is None:
        return report
    problems = report.problems
    report.num_images = len(coco['images'])
    report.num_annotations = len(coco['annotations'])

    categories = [cat for cat in coco['categories'] if isinstance(cat, dict)]
    category_ids = {cat.get('id') for cat in categories}
    if classes is not None:
        problems.extend(_class_problems(categories, classes))
        used_ids = {
            cat.get('id')
            for cat in categories if cat.get('name') in classes
        }
    else:
        used_ids = category_ids

    images = _image_records(coco, problems)
    _check_files(images, img_dir, decode, num_workers, problems)

    boxes_per_image: Counter = Counter()
    ann_ids: Set[Any] = set()
    outside_classes = flagged_ignore = 0
    for index, ann in enumerate(coco['annotations']):
        if not isinstance(ann, dict):
            problems.append(
                DataProblem('malformed',
                            f'annotations[{index}] is not an object'))
            continue
        ann_id, image_id = ann.get('id'), ann.get('image_id')
        if not _hashable_id(ann_id):
            ann_id = f'annotations[{index}]'
            problems.append(
                DataProblem('malformed', 'annotation has no '
                            'valid id', image_id, ann_id))
        elif ann_id in ann_ids:
            problems.append(
                DataProblem('duplicate_id', f'annotation id '
                            f'{ann_id} is used twice', image_id, ann_id))
        ann_ids.add(ann_id)
        image = images.get(image_id) if _hashable_id(image_id) else None
        file_name = image.get('file_name') if image else None
        if image is None:
            problems.append(
                DataProblem(
                    'unknown_image',
                    f'image_id {image_id!r} is not an image of '
                    'the file', image_id, ann_id))
            continue
        category_id = ann.get('category_id')
        if category_id not in category_ids:
            problems.append(
                DataProblem(
                    'unknown_category',
                    f'category_id {category_id!r} is not a '
                    'category of the file', image_id, ann_id, file_name))
        box = None if ann.get('ignore', False) else _box_problem(
            ann, image, tolerance)  # mmdet skips 'ignore' boxes unread
        if box is not None:
            problems.append(
                DataProblem(box[0], box[1], image_id, ann_id, file_name))
        if ann.get('ignore', False):
            flagged_ignore += 1
        elif category_id in category_ids and category_id not in used_ids:
            outside_classes += 1
        else:
            boxes_per_image[image_id] += 1
    report.empty_image_ids = [
        image_id for image_id in images if not boxes_per_image[image_id]
    ]
    report.ignored = {
        'category not in classes': outside_classes,
        "'ignore' set": flagged_ignore
    }
    return report


def class_count_problems(num_classes: int,
                         heads: Dict[str, int]) -> List[DataProblem]:
    """``num_classes`` problems of model heads against a dataset.

    Args:
        num_classes (int): Number of classes of the dataset.
        heads (dict[str, int]): ``num_classes`` of each head, keyed by where
            it is set (e.g. ``model.teacher (r50.py) bbox_head.num_classes``).
    """
    return [
        DataProblem(
            'num_classes', f'{where} = {count} but the dataset has '
            f'{num_classes} classes') for where, count in heads.items()
        if count != num_classes
    ]


def drop_images(coco: Dict[str, Any],
                image_ids: Set[Any]) -> Tuple[Dict[str, Any], int, int]:
    """A copy of COCO annotations without the given images and their boxes.

    Annotations whose ``image_id`` is not an image that stays (including
    those of no image at all) go too.

    Returns:
        tuple: The copy, the number of images and of annotations dropped.
    """
    cleaned = copy.copy(coco)
    cleaned['images'] = [
        image for image in coco['images']
        if not (isinstance(image, dict) and image.get('id') in image_ids)
    ]
    kept = {
        image.get('id')
        for image in cleaned['images'] if isinstance(image, dict)
    }
    cleaned['annotations'] = [
        ann for ann in coco['annotations'] if isinstance(ann, dict)
        and _hashable_id(ann.get('image_id')) and ann['image_id'] in kept
    ]
    return (cleaned, len(coco['images']) - len(cleaned['images']),
            len(coco['annotations']) - len(cleaned['annotations']))


__all__ = [
    'KEEP_KEY', 'PROBLEM_KINDS', 'REPORTED_ONLY', 'DataProblem',
    'DatasetCheckError', 'DatasetReport', 'check_coco_dataset',
    'class_count_problems', 'drop_images', 'image_size'
]
