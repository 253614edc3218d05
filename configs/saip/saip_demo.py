# A SAIP run that needs no download and no dataset: the portrait photo that
# ships with matplotlib, cropped at many scales and pasted into composites
# over the same photo. configs/saip/saip_vit-t.py (all three objectives,
# ViT-Tiny at 256x128, its hooks and AdamW) sized for a CPU: 16 iterations
# in which the total loss falls visibly.
# - the narrower heads of saip_vit-t_cpu-proxy.py (CSM 1024 hidden / 256
#   bottleneck / 8192 prototypes, a 2-block 256-wide CSR decoder, a
#   256-wide CSS decoder): 1.8 CPU-seconds per step on one thread instead
#   of 4.6 with the paper's heads, which also spike at this lr;
# - batch 4 on one process, lr 3e-4 after a 3-iteration warm-up, not scaled
#   by the batch (the paper's rule, 2.5e-4 x 4 / 256 = 4e-6, moves nothing
#   in a demo).
# loss_csr and loss_css_* fall; loss_csm rises towards ln 8192 = 9.0: with
# a single photo every teacher output is alike, so DINO's centring flattens
# the teacher. The demo shows the machinery, not what SAIP learns (see
# docs/benchmarks.md, "Does SAIP learn?").
_base_ = ['./saip_vit-t.py']
model = dict(
    csm_head=dict(hidden_channels=1024, bottleneck_channels=256,
                  out_channels=8192),
    csr_head=dict(embed_dims=256, depth=2, num_heads=8),
    css_head=dict(embed_dims=256, num_heads=8))
max_iters = 16
batch_size = 4
train_dataloader = dict(
    batch_size=batch_size,
    # in-process loading: on a 2-core machine workers only compete with the
    # model for the cores (the pipeline makes ~280 samples/s per process)
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(
        _delete_=True,
        type='saip_mm.DemoPersonDataset',
        num_samples=max_iters * batch_size,
        pipeline={{_base_.train_pipeline}}))
optim_wrapper = dict(type='OptimWrapper', accumulative_counts=1,
                     optimizer=dict(lr=3e-4))
auto_scale_lr = dict(enable=False)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=3),
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='saip_mm.AtomicCheckpointHook', interval=max_iters,
                    by_epoch=False, max_keep_ckpts=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
log_processor = dict(by_epoch=False, window_size=1)
