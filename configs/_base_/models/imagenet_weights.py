# ImageNet-pretrained backbones for the COCO configs, read from local files
# (nothing is downloaded at run time). Get them once from torchvision:
#   https://download.pytorch.org/models/resnet18-f37072fd.pth
#   https://download.pytorch.org/models/resnet34-b627a593.pth
#   https://download.pytorch.org/models/resnet50-0676ba61.pth
#   https://download.pytorch.org/models/resnet101-63fe2227.pth
# and put them in checkpoints/ (or override the paths below).
imagenet_checkpoints = dict(
    resnet18='checkpoints/resnet18-f37072fd.pth',
    resnet34='checkpoints/resnet34-b627a593.pth',
    resnet50='checkpoints/resnet50-0676ba61.pth',
    resnet101='checkpoints/resnet101-63fe2227.pth',
    # Caffe-style (FCOS): https://download.openmmlab.com/pretrain/third_party/
    resnet50_caffe='checkpoints/resnet50_msra-5891d200.pth',
    resnet101_caffe='checkpoints/resnet101_msra-6cc46731.pth')
