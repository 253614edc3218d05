# mmpretrain's MAE with SAIP's ViT-Tiny/16 at 256x128 on unlabeled person
# crops: the same-size baseline SAIP is compared against. 8 GPUs x 256 =
# 2048 per step, SAIP's effective batch; 300 epochs, schedule of mmpretrain's
# mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py. The rectangular MAE pieces
# live in saip_mm.models.baselines (mmpretrain's assume square grids).
_base_ = [
    '../_base_/datasets/lup_saip_256x128.py',
    '../_base_/default_runtime.py',
]
custom_imports = dict(
    imports=['saip_mm'],
    allow_failed_imports=False)

img_size = (256, 128)
patch_size = 16
grid = (img_size[0] // patch_size, img_size[1] // patch_size)
model = dict(
    type='MAE',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=False),  # saip_mm.LoadPersonImage gives RGB
    backbone=dict(
        type='saip_mm.MAEViTRect',
        arch='deit-tiny',
        img_size=img_size,
        patch_size=patch_size,
        mask_ratio=0.75),
    neck=dict(
        type='saip_mm.MAEPretrainDecoderRect',
        patch_resolution=grid,
        patch_size=patch_size,
        in_chans=3,
        embed_dim=192,
        decoder_embed_dim=512,
        decoder_depth=8,
        decoder_num_heads=16,
        mlp_ratio=4.),
    head=dict(
        type='saip_mm.MAEPretrainHeadRect',
        patch_resolution=grid,
        norm_pix=True,
        patch_size=patch_size,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])

# MAE's crop scales; the aspect range (w / h) of SAIP's global person views.
# Same LUPerson-style dataset as SAIP, one view per image.
train_pipeline = [
    dict(type='saip_mm.LoadPersonImage'),
    dict(type='RandomResizedCrop', scale=img_size,
         crop_ratio_range=(0.2, 1.0), aspect_ratio_range=(0.4, 0.6),
         backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=256,
                        dataset=dict(pipeline=train_pipeline))

optim_wrapper = dict(
    # on CPU pass --cfg-options optim_wrapper.type=OptimWrapper
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    # the param-wise groups logged as one summary, not a line per tensor
    constructor='saip_mm.TrainableParamsOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1.5e-4 * 2048 / 256, betas=(0.9, 0.95),
                   weight_decay=0.05),
    paramwise_cfg=dict(
        custom_keys={
            'ln': dict(decay_mult=0.0),
            'bias': dict(decay_mult=0.0),
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))
max_epochs = 300
warmup_epochs = 40
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=2048)
