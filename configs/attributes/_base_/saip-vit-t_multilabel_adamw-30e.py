# Multi-label attribute classifier on a SAIP ViT-Tiny CLS token: mmpretrain
# ImageClassifier + MultiLabelLinearClsHead (sigmoid BCE), AdamW with
# layer-wise lr decay and drop path, 30 epochs with cosine decay. The data
# (and the head's num_classes) comes from the configs that inherit this.
_base_ = ['mmpretrain::_base_/default_runtime.py']
custom_imports = dict(imports=['saip_mm'], allow_failed_imports=False)

# backbone-only checkpoint (tools/model_converters/saip_to_backbone.py; a
# whole SAIP training checkpoint works too); override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = 'checkpoints/saip_vit-t_backbone.pth'

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='saip_mm.SAIPViT',
        arch='tiny',
        img_size=(256, 128),
        out_type='cls_token',
        inter_index=None,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint)),
    neck=None,
    head=dict(
        type='MultiLabelLinearClsHead',
        num_classes=35,
        in_channels=192,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True)))

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05),
    constructor='saip_mm.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=2, end=30,
         eta_min=1e-6, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2,
                    save_best='attribute/mA', rule='greater'))
