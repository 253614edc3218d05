# SAIP TinyViT-5M + UPerNet on LIP (20 classes), 512x512 crops, 80k iters.
#
# The ViT-T recipe (configs/parsing/saip-vit-t_upernet_lip-512x512.py) with
# the backbone swapped for the hierarchical saip_mm.SAIPTinyViT: its four
# stage maps (strides 4-32, 64/128/160/320 wide) go straight into UPerNet,
# so the ViT's MultiLevelNeck is dropped.
_base_ = [
    './saip-vit-t_upernet_lip-512x512.py',
    '../_base_/models/saip_tinyvit-5m.py'
]

# the checkpoint of configs/_base_/models/saip_tinyvit-5m.py; override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = _base_.tinyvit_backbone.init_cfg.checkpoint
channels = [64, 128, 160, 320]

model = dict(
    # pad test images to the last stage's stride
    data_preprocessor=dict(test_cfg=dict(size_divisor=32)),
    backbone=dict(
        _base_.tinyvit_backbone,
        _delete_=True,
        img_size=(512, 512),
        out_indices=(0, 1, 2, 3),
        out_type='featmap'),
    neck=None,
    decode_head=dict(in_channels=channels),
    auxiliary_head=dict(in_channels=channels[2], in_index=2))

# TinyViT has no position embedding or CLS token; its relative attention
# biases are kept free of weight decay as in TinyViT's own recipe
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys=dict(
            _delete_=True, attention_biases=dict(decay_mult=0.))))
