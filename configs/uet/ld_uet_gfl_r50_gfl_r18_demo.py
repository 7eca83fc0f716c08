# LD + UET: the GFL localization-distillation demo config with the UET part
# added: the teacher's head re-run on dropped-out FPN outputs; the box-bin
# logits of level i are `bbox_preds[i]` of the head output.
_base_ = [
    '../ld/ld_gfl_r50_gfl_r18_demo.py', '../_base_/uet/uet_head_logits.py'
]

model = dict(
    distiller=dict(
        uet=dict(
            _base_.uet_head_cls,
            outputs={f'reg{i}': [1, i]
                     for i in range(5)},
            measure='variance')))
