# Faster R-CNN on a SAIP ViT-Tiny through a ViTDet-style simple feature
# pyramid (strides 4-64 from the stride-16 map), with ViTDet's fine-tuning
# recipe: AdamW, layer-wise lr decay, drop path, 4conv1fc LN box head.
# The data (and its num_classes) comes from the configs that inherit this.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py'
]
custom_imports = dict(imports=['saip_mm'], allow_failed_imports=False)

# backbone-only checkpoint (tools/model_converters/saip_to_backbone.py; a
# whole SAIP training checkpoint works too); override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = 'checkpoints/saip_vit-t_backbone.pth'
norm_cfg = dict(type='mmpretrain.LN2d', eps=1e-6)

model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='saip_mm.SAIPViT',
        arch='tiny',
        # the grid pos_embed is resampled to at load; each forward resamples
        # it again to the (padded) input's own grid
        img_size=(800, 1344),
        out_type='featmap',
        inter_index=None,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint)),
    neck=dict(
        _delete_=True,
        type='saip_mm.SimpleFeaturePyramid',
        in_channels=192,
        out_channels=256,
        num_outs=5,
        norm_cfg=norm_cfg),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=norm_cfg,
            num_classes=1)))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                   weight_decay=0.1),
    constructor='saip_mm.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.7,
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))
