# LD + UET: the GFL localization-distillation demo config with the UET part
# added: the teacher's head re-run on dropped-out FPN outputs, the variance of
# its box-bin logits.
_base_ = [
    '../ld/ld_gfl_r50_gfl_r18_demo.py', '../_base_/uet/uet_head_logits.py'
]

model = dict(distiller=dict(uet=_base_.uet_head_gfl_reg))
