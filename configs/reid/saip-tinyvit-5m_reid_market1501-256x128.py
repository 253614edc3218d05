# Person ReID on Market-1501 with a SAIP TinyViT-5M.
#
# The ViT-T recipe (configs/reid/saip-vit-t_reid_market1501-256x128.py) with
# the backbone swapped for the hierarchical saip_mm.SAIPTinyViT; the
# feature is its last stage's normed spatial mean (320 wide) instead of the
# ViT's CLS token.
#   python tools/train.py \
#       configs/reid/saip-tinyvit-5m_reid_market1501-256x128.py
_base_ = [
    './saip-vit-t_reid_market1501-256x128.py',
    '../_base_/models/saip_tinyvit-5m.py'
]

# the checkpoint of configs/_base_/models/saip_tinyvit-5m.py; override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = _base_.tinyvit_backbone.init_cfg.checkpoint
embed_dims = 320

model = dict(
    backbone=dict(
        _base_.tinyvit_backbone,
        _delete_=True,
        img_size=(256, 128),
        out_indices=(3, ),
        out_type='avg_featmap'),
    head=dict(
        in_channels=embed_dims,
        fc_channels=embed_dims,
        out_channels=embed_dims))

# TinyViT has no position embedding or CLS token; its relative attention
# biases are kept free of weight decay as in TinyViT's own recipe
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys=dict(
            _delete_=True, attention_biases=dict(decay_mult=0.))))
