# Person ReID on Market-1501 with a SAIP ViT-Tiny: mmdet's BaseReID +
# LinearReIDHead (BN-neck features; label-smoothed CE + batch-hard
# triplet), evaluated with the camera-aware query/gallery protocol.
#   python tools/train.py configs/reid/saip-vit-t_reid_market1501-256x128.py
_base_ = [
    'mmdet::_base_/default_runtime.py', '../_base_/datasets/market1501.py'
]
custom_imports = dict(imports=['saip_mm'], allow_failed_imports=False)

# backbone-only checkpoint (tools/model_converters/saip_to_backbone.py; a
# whole SAIP training checkpoint works too); override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = 'checkpoints/saip_vit-t_backbone.pth'
embed_dims = 192
num_classes = 751  # train ids, printed by market1501_to_reid.py

model = dict(
    type='BaseReID',
    data_preprocessor=dict(
        type='ReIDDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
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
        type='LinearReIDHead',
        num_fcs=0,
        in_channels=embed_dims,
        fc_channels=embed_dims,
        out_channels=embed_dims,
        num_classes=num_classes,
        loss_cls=dict(
            type='mmpretrain.LabelSmoothLoss',
            label_smooth_val=0.1,
            loss_weight=1.0),
        loss_triplet=dict(type='TripletLoss', margin=0.3, loss_weight=1.0)))

# One iteration is a PK batch of 16 ids x 4 crops; 24k iterations are
# ~120 epochs of Market-1501's 12,936 training crops (TransReID's length).
max_iters = 24000
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=3.5e-4, weight_decay=0.05),
    constructor='saip_mm.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=1000),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=1000,
         end=max_iters, eta_min=1e-6),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4000,
                    max_keep_ckpts=2, save_best='reid/mAP', rule='greater'))
log_processor = dict(by_epoch=False)
