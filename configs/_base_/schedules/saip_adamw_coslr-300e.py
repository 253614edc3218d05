# SAIPv1 schedule: 300 epochs, 10 warm-up, AdamW (0.9, 0.95), wd 0.05,
# lr = 2.5e-4 x effective_batch / 256 (2e-3 at 8 GPUs x 64 x 4 accumulation).
accumulative_counts = 4
base_lr = 2.5e-4
optim_wrapper = dict(
    # fp16 autocast + dynamic loss scaling (AmpOptimWrapper's defaults), as
    # the reference; dtype='bfloat16' on Ampere+ GPUs. AMP needs a GPU: on
    # CPU pass --cfg-options optim_wrapper.type=OptimWrapper.
    type='AmpOptimWrapper',
    accumulative_counts=accumulative_counts,
    # mmengine's param-wise groups, logged as one summary instead of a line
    # per tensor (and a WARNING per frozen teacher tensor)
    constructor='saip_mm.TrainableParamsOptimWrapperConstructor',
    # fused: one kernel over all parameters (CUDA, and CPU since torch 2.4)
    optimizer=dict(type='AdamW', lr=base_lr, betas=(0.9, 0.95),
                   weight_decay=0.05, fused=True),
    # timm's add_weight_decay in the reference exempts biases and 1-D
    # params only; pos_embed, cls and mask tokens are decayed.
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.,
                       flat_decay_mult=0.))

max_epochs = 300
warmup_epochs = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min=0., by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)

# lr is given per 256 samples of the *effective* batch; mmengine scales by
# world_size x batch_size only, so fold the accumulation into the base.
auto_scale_lr = dict(enable=True, base_batch_size=256 // accumulative_counts)
