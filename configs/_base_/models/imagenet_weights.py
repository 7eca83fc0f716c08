# ImageNet-pretrained backbones for the COCO configs, read from local files
# named as published (nothing is downloaded at run time). URLs and sha256
# prefixes: uet_mmdet/utils/model_zoo.py; get the files a config reads with
#   python tools/misc/download_weights.py --config CONFIG
imagenet_checkpoints = dict(
    # torchvision's (mmengine's torchvision://resnetN)
    resnet18='checkpoints/resnet18-f37072fd.pth',
    resnet34='checkpoints/resnet34-b627a593.pth',
    resnet50='checkpoints/resnet50-0676ba61.pth',
    resnet101='checkpoints/resnet101-63fe2227.pth',
    # Caffe-style, as mmdet's FCOS configs read them
    # (open-mmlab://detectron/resnetN_caffe)
    resnet50_caffe='checkpoints/resnet50_caffe-788b5fa3.pth',
    resnet101_caffe='checkpoints/resnet101_caffe-3ad79236.pth')
# the backbone init_cfg that reads one: init_cfg=_base_.imagenet_init.resnet50
imagenet_init = {
    name: dict(type='Pretrained', checkpoint=path)
    for name, path in imagenet_checkpoints.items()
}
