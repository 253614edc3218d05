# The MAE counterpart of configs/saip/saip_vit-t_cpu-proxy.py, for comparing
# the two at an equal CPU budget: the same ViT-Tiny/16 at half resolution
# (128x64 crops, 8x4 grid), a 2-block 256-wide decoder like SAIP's proxy CSR
# decoder (paper MAE: 8x512), batch 32, lr 3e-4 after 20 warm-up iterations.
_base_ = ['./mae_vit-t.py']

img_size = (128, 64)
patch_size = 16
grid = (img_size[0] // patch_size, img_size[1] // patch_size)
model = dict(
    backbone=dict(img_size=img_size),
    neck=dict(patch_resolution=grid, decoder_embed_dim=256, decoder_depth=2,
              decoder_num_heads=8),
    head=dict(patch_resolution=grid))
train_pipeline = [
    dict(type='saip_mm.LoadPersonImage'),
    dict(type='RandomResizedCrop', scale=img_size,
         crop_ratio_range=(0.2, 1.0), aspect_ratio_range=(0.4, 0.6),
         backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(data_root='../shared/data/persons', ann_file='train.txt',
                 pipeline=train_pipeline))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=3e-4))
auto_scale_lr = dict(enable=False)
max_iters = 2000
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=20),
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='saip_mm.AtomicCheckpointHook', interval=500,
                    by_epoch=False, max_keep_ckpts=2))
log_processor = dict(by_epoch=False, window_size=10)
