# SAIP TinyViT-5M + UPerNet on LIP (20 classes), 512x512 crops, 80k iters.
#
# The ViT-T recipe (configs/parsing/saip-vit-t_upernet_lip-512x512.py) with
# the backbone swapped for the hierarchical saip_mm.SAIPTinyViT: its four
# stage maps (strides 4-32, 64/128/160/320 wide) go straight into UPerNet,
# so the ViT's MultiLevelNeck is dropped.
_base_ = ['./saip-vit-t_upernet_lip-512x512.py']

# backbone-only checkpoint of a SAIP-pretrained SAIPTinyViT; override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = 'checkpoints/saip_tinyvit-5m_backbone.pth'
channels = [64, 128, 160, 320]

model = dict(
    # pad test images to the last stage's stride
    data_preprocessor=dict(test_cfg=dict(size_divisor=32)),
    backbone=dict(
        _delete_=True,
        type='saip_mm.SAIPTinyViT',
        arch='5m',
        img_size=(512, 512),
        out_indices=(0, 1, 2, 3),
        out_type='featmap',
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint)),
    neck=None,
    decode_head=dict(in_channels=channels),
    auxiliary_head=dict(in_channels=channels[2], in_index=2))

# TinyViT has no position embedding or CLS token; its relative attention
# biases are kept free of weight decay as in TinyViT's own recipe
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys=dict(
            _delete_=True, attention_biases=dict(decay_mult=0.))))
