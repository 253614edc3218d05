# SAIP TinyViT-5M, top-down heatmap pose on COCO keypoints at 256x192.
#
# The ViT-T recipe (configs/pose/saip-vit-t_td-hm_coco-256x192.py) with the
# backbone swapped for the hierarchical saip_mm.SAIPTinyViT. Its last stage
# is at stride 32 (8x6), so the head takes SimpleBaseline's three
# deconvolutions (mmpose's ResNet recipe) instead of ViTPose's two to reach
# the codec's 64x48 heatmaps.
_base_ = [
    './saip-vit-t_td-hm_coco-256x192.py',
    '../_base_/models/saip_tinyvit-5m.py'
]

# the checkpoint of configs/_base_/models/saip_tinyvit-5m.py; override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = _base_.tinyvit_backbone.init_cfg.checkpoint

model = dict(
    backbone=dict(
        _base_.tinyvit_backbone,
        _delete_=True,
        img_size=(256, 192),
        out_indices=(3, ),
        out_type='featmap'),
    head=dict(
        in_channels=320,
        deconv_out_channels=(256, 256, 256),
        deconv_kernel_sizes=(4, 4, 4)))

# TinyViT has no position embedding or CLS token; its relative attention
# biases are kept free of weight decay as in TinyViT's own recipe
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys=dict(
            _delete_=True, attention_biases=dict(decay_mult=0.))))
