# Load the plugin and its runner; every uet_mmdet config inherits this, COCO
# configs next to their mmdet:: base.
custom_imports = dict(imports=['uet_mmdet'], allow_failed_imports=False)
# UETRunner = mmengine's Runner whose checkpoints load with torch.load(
# weights_only=True) and which can --resume plain mmengine checkpoints.
runner_type = 'UETRunner'
