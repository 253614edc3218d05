# Person detection on COCO (person class only) with a SAIP TinyViT-5M,
# Faster R-CNN and FPN; 1x schedule.
#
# The ViT-T recipe (configs/detection/saip-vit-t_faster-rcnn_sfp_coco-
# person.py) with the backbone swapped for the hierarchical
# saip_mm.SAIPTinyViT: its four stage maps (strides 4-32) go straight into
# mmdet's FPN, so the simple feature pyramid is dropped.
#   python tools/train.py \
#       configs/detection/saip-tinyvit-5m_faster-rcnn_fpn_coco-person.py
_base_ = [
    './saip-vit-t_faster-rcnn_sfp_coco-person.py',
    '../_base_/models/saip_tinyvit-5m.py'
]

# the checkpoint of configs/_base_/models/saip_tinyvit-5m.py; override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = _base_.tinyvit_backbone.init_cfg.checkpoint

model = dict(
    backbone=dict(
        _base_.tinyvit_backbone,
        _delete_=True,
        img_size=(800, 1344),
        out_indices=(0, 1, 2, 3),
        out_type='featmap'),
    neck=dict(
        _delete_=True,
        type='FPN',
        in_channels=[64, 128, 160, 320],
        out_channels=256,
        num_outs=5))

# TinyViT has no position embedding or CLS token; its relative attention
# biases are kept free of weight decay as in TinyViT's own recipe
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys=dict(
            _delete_=True, attention_biases=dict(decay_mult=0.))))
