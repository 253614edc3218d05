# SAIP with a ViT-Tiny/16 student at 256x128 (SAIPv1 reference defaults).
model = dict(
    type='saip_mm.SAIP',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=False),  # saip_mm loads images as RGB
    backbone=dict(
        type='saip_mm.SAIPViT',
        arch='tiny',
        img_size=(256, 128),
        patch_size=16,
        inter_index=6,  # block 7 feeds CSR and CSS
        drop_path_rate=0.,
        pos_embed_init='uniform',
        pos_resample='2d'),
    csm_head=dict(
        type='saip_mm.CrossScaleMatchingHead',
        hidden_channels=2048,
        bottleneck_channels=256,
        out_channels=65536,
        norm_last_layer=True,
        loss=dict(type='saip_mm.DINOLoss', student_temp=0.1,
                  teacher_temp=0.04, center_momentum=0.9),
        att_loss=dict(type='saip_mm.AttentionKLLoss', eps=1e-10),
        loss_weight=1.0,
        att_loss_weight=1.0),
    csr_head=dict(
        type='saip_mm.CrossScaleReconstructionHead',
        embed_dims=512,
        depth=8,
        num_heads=16,
        patch_size=16,
        anchor_grid=(16, 8),
        norm_pix=True,
        pos_resample='2d',
        loss=dict(type='mmpretrain.PixelReconstructionLoss', criterion='L2'),
        loss_weight=1.0),
    css_head=dict(
        type='saip_mm.CrossScaleSearchHead',
        embed_dims=512,
        num_heads=16,
        num_query_blocks=2,
        num_mask_convs=3,
        loss_weight=1.0),
    num_local_views=7,
    extra_scales=(0.75, 0.875, 1.125, 1.25),
    csr_scale=1.25,
    ref_scale=0.5,
    rescale_mode='nearest',
    csr_mask=dict(mask_ratio=0.75, mode='consistent'),
)

# The algorithm's hooks, inherited by every SAIP config: a config that adds
# one writes `custom_hooks = [*_base_.custom_hooks, dict(...)]`, since a list
# set in a config replaces its base's.
custom_hooks = [
    # the EMA teacher follows the student; without it the teacher stays at
    # its initial weights
    dict(type='saip_mm.TeacherMomentumHook', start=0.996, end=1.0,
         mode='intended'),
    # every iteration seeded from (seed, iteration): --resume repeats the
    # uninterrupted run exactly
    dict(type='saip_mm.IterationSeedHook'),
    # a NaN/Inf loss term stops the run before it reaches the teacher
    dict(type='saip_mm.NonFiniteLossHook', action='raise'),
]
