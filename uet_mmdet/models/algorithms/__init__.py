# Copyright (c) uet_mmdet authors. All rights reserved.
from .student_from_teacher_distill import StudentFromTeacherDistill

__all__ = ['StudentFromTeacherDistill']
