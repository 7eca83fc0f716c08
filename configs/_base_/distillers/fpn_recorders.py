# Recorders of the five FPN outputs (the same module names in teacher and
# student), shared by the feature-distillation bases in this folder.
fpn_levels = 5
fpn_recorders = {
    f'fpn{i}': dict(type='ModuleOutputs', source=f'neck.fpn_convs.{i}')
    for i in range(fpn_levels)
}
