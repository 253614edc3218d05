# Runtime shared by SAIP pretraining configs. default_scope stays
# 'mmpretrain' so mmpretrain's losses/preprocessors resolve un-prefixed while
# our modules are written 'saip_mm.X'.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['saip_mm'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # atomic: a kill while saving leaves the previous checkpoint loadable
    checkpoint=dict(type='saip_mm.AtomicCheckpointHook', interval=1,
                    max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_processor = dict(window_size=10)
log_level = 'INFO'
load_from = None
resume = False
# diff_rank_seed: every rank (and, through mmengine's worker_init_fn, every
# worker) draws different crops and paste positions.
randomness = dict(seed=0, diff_rank_seed=True)
