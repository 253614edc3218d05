# UPerNet over a SAIP ViT-T for human parsing (8 GPUs x 2 images).
#
# mmseg's ViT + MultiLevelNeck + UPerHead model with the backbone swapped
# for saip_mm.SAIPViT, mmseg's 80k schedule and runtime, and the fine-tuning
# recipe of mmseg's MAE config (AdamW, linear warm-up, then poly decay to
# the end of train_cfg.max_iters) with layer-wise lr decay through
# saip_mm's constructor. Task configs set num_classes.
_base_ = [
    'mmseg::_base_/models/upernet_vit-b16_ln_mln.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py',
]
custom_imports = dict(imports=['saip_mm'], allow_failed_imports=False)

# backbone-only checkpoint (tools/model_converters/saip_to_backbone.py; a
# whole SAIP training checkpoint works too); override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = 'checkpoints/saip_vit-t_backbone.pth'
# the crop size of the dataset configs
img_size = (512, 512)
embed_dims = 192

model = dict(
    # pad test images to whole patches; predictions are cropped back
    data_preprocessor=dict(size=img_size, test_cfg=dict(size_divisor=16)),
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='saip_mm.SAIPViT',
        arch='tiny',
        img_size=img_size,
        out_indices=(3, 5, 7, 11),
        out_type='featmap',
        # SAIP pretrains with a CLS token in every block; keeping it keeps
        # the token statistics the weights were learned with
        with_cls_token=True,
        inter_index=None,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint)),
    neck=dict(
        in_channels=[embed_dims] * 4,
        out_channels=embed_dims,
        scales=[4, 2, 1, 0.5]),
    # 256 rather than mmseg's 512 channels: the 512-channel UPerHead alone
    # has five times the parameters of ViT-T
    decode_head=dict(in_channels=[embed_dims] * 4, channels=256),
    auxiliary_head=dict(in_channels=embed_dims, in_index=2))

optim_wrapper = dict(
    _delete_=True,
    constructor='saip_mm.LayerDecayOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        custom_keys=dict(
            pos_embed=dict(decay_mult=0.), cls_token=dict(decay_mult=0.))))
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
        end=1500),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=1500,
        by_epoch=False)
]
default_hooks = dict(checkpoint=dict(save_best='mIoU'))
