# A CPU-scale proxy of SAIP ViT-Tiny/16: the same three objectives, the same
# backbone and teacher, sized to learn within CPU-minutes rather than GPU-days.
# Chosen by measurement (docs/benchmarks.md, "Does SAIP learn?"). What differs
# from the paper's configs/saip/saip_vit-t.py, and why:
# - half resolution everywhere: globals 128x64, 4 locals at 64x32 (paper:
#   7 at 128x64), composite 112x112, anchor grid 8x4: a quarter of the
#   pixels per view, the same scale relations between views.
# - smaller heads: CSM 1024 hidden / 256 bottleneck / 8192 prototypes (paper
#   2048/256/65536), a 2-block 256-wide CSR decoder (paper 8x512) and a
#   256-wide CSS decoder (paper 512): cheaper steps; the proxy measures
#   whether the objectives learn, not head capacity.
# - DINO teacher temperature 0.02 (paper 0.04). Measured: at 0.04 the
#   centred teacher flattens to near-uniform within ~100 iterations
#   (csm_teacher_entropy 8.7 of ln 8192 = 9.01, image-prototype information
#   csm_batch_entropy - csm_teacher_entropy 0.25 nats) and loss_csm sits at
#   ln K; at 0.02 the teacher keeps 1.1-1.4 nats of information and loss_csm
#   falls (8.2 -> 6.8 in 80 iterations).
# - batch 32 on one process, lr 3e-4 after 20 warm-up iterations, then
#   constant (no known end under a time budget); teacher momentum 0.996.
# Probe the result at 128x64 (compare_pretraining.py --probe-size 128 64).
_base_ = ['./saip_vit-t.py']

global_size = (128, 64)
local_size = (64, 32)
num_local = 4
model = dict(
    backbone=dict(img_size=global_size),
    csm_head=dict(hidden_channels=1024, bottleneck_channels=256,
                  out_channels=8192, loss=dict(teacher_temp=0.02)),
    csr_head=dict(embed_dims=256, depth=2, num_heads=8, anchor_grid=(8, 4)),
    css_head=dict(embed_dims=256, num_heads=8),
    num_local_views=num_local)
train_pipeline = [
    dict(type='saip_mm.LoadPersonImage'),
    dict(type='saip_mm.SAIPMultiScaleViews', global_size=global_size,
         local_size=local_size, num_local=num_local,
         global_scale=(0.8, 1.0), local_scale=(0.05, 0.8),
         ratio=(0.4, 0.6)),
    dict(type='saip_mm.MultiPersonComposite',
         background=dict(type='dataset'), size=(112, 112)),
    dict(type='saip_mm.PackSAIPInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(data_root='../shared/data/persons', ann_file='train.txt',
                 pipeline=train_pipeline))
optim_wrapper = dict(type='OptimWrapper', accumulative_counts=1,
                     optimizer=dict(lr=3e-4, fused=False))
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
