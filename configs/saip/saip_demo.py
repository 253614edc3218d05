# A SAIP run that needs no download and no dataset: the portrait photo that
# ships with matplotlib, cropped at many scales and pasted into composites
# over the same photo. All three objectives on, ViT-Tiny, CPU-sized.
_base_ = [
    '../_base_/models/saip_vit-t-p16.py',
    '../_base_/datasets/lup_saip_256x128.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(
    batch_size=4,
    # in-process loading: on a 2-core machine workers only compete with the
    # model for the cores (the pipeline makes ~280 samples/s per process)
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(
        _delete_=True,
        type='saip_mm.DemoPersonDataset',
        num_samples=64,
        pipeline={{_base_.train_pipeline}}))
max_iters = 10
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2.5e-4 * 4 / 256, betas=(0.9, 0.95),
                   weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.,
                       flat_decay_mult=0.))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=3),
    dict(type='CosineAnnealingLR', T_max=max_iters - 3, eta_min=0.,
         by_epoch=False, begin=3, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='saip_mm.AtomicCheckpointHook', interval=max_iters,
                    by_epoch=False))
custom_hooks = [
    dict(type='saip_mm.TeacherMomentumHook', start=0.996, end=1.0),
    # every iteration seeded from (seed, iteration): --resume repeats the
    # uninterrupted run exactly
    dict(type='saip_mm.IterationSeedHook'),
    # a NaN/Inf loss term stops the run before it reaches the teacher
    dict(type='saip_mm.NonFiniteLossHook', action='raise'),
]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
log_processor = dict(by_epoch=False, window_size=1)
