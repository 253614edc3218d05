# Market-1501 attributes (30 binary) with a SAIP TinyViT-5M.
#
# The ViT-T recipe (configs/attributes/saip-vit-t_market1501-attr-256x128.py)
# with the backbone swapped for the hierarchical saip_mm.SAIPTinyViT; the
# classifier reads its last stage's normed spatial mean (320 wide) instead
# of the ViT's CLS token.
#   python tools/train.py \
#       configs/attributes/saip-tinyvit-5m_market1501-attr-256x128.py
_base_ = [
    './saip-vit-t_market1501-attr-256x128.py',
    '../_base_/models/saip_tinyvit-5m.py'
]

# the checkpoint of configs/_base_/models/saip_tinyvit-5m.py; override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = _base_.tinyvit_backbone.init_cfg.checkpoint

model = dict(
    backbone=dict(
        _base_.tinyvit_backbone,
        _delete_=True,
        img_size=(256, 128),
        out_indices=(3, ),
        out_type='avg_featmap'),
    head=dict(in_channels=320))

# TinyViT has no position embedding or CLS token; its relative attention
# biases are kept free of weight decay as in TinyViT's own recipe
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys=dict(
            _delete_=True, attention_biases=dict(decay_mult=0.))))
