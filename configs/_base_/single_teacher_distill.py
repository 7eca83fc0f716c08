# MMRazor's SingleTeacherDistill in place of the student detector a config
# inherits (`_delete_` drops the detector's keys from `model`):
#   model = dict(_base_.single_teacher_distill, architecture=STUDENT,
#                teacher=TEACHER, teacher_ckpt=CKPT, distiller=DISTILLER)
# `student_from_teacher_distill` is the same with FGD's recipe of a student
# neck and head that start from the teacher's weights (`teacher_ckpt`).
single_teacher_distill = dict(
    _delete_=True, _scope_='mmrazor', type='SingleTeacherDistill')
student_from_teacher_distill = dict(
    single_teacher_distill,
    type='StudentFromTeacherDistill',
    student_from_teacher=['neck', 'bbox_head'])
find_unused_parameters = True
