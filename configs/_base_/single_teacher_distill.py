# MMRazor's SingleTeacherDistill in place of the student detector a config
# inherits (`_delete_` drops the detector's keys from `model`):
#   model = dict(_base_.single_teacher_distill, architecture=STUDENT,
#                teacher=TEACHER, teacher_ckpt=CKPT, distiller=DISTILLER)
single_teacher_distill = dict(
    _delete_=True, _scope_='mmrazor', type='SingleTeacherDistill')
find_unused_parameters = True
