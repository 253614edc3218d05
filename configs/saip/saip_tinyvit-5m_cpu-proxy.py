# The CPU-scale proxy of configs/saip/saip_tinyvit-5m.py: the recipe of
# configs/saip/saip_vit-t_cpu-proxy.py (globals 128x64, 4 locals 64x32,
# composite 112x112, CSM 1024/256/8192 with teacher temperature 0.02, CSR
# decoder 256x2 on the 8x4 anchor grid, CSS 256, batch 32, lr 3e-4 after 20
# warm-up iterations) with the TinyViT-5M student of saip_tinyvit-5m.py, so
# a probe comparison at an equal CPU budget differs only in the backbone.
# Probe the result at 128x64 (compare_pretraining.py --probe-size 128 64).
_base_ = ['./saip_vit-t_cpu-proxy.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='saip_mm.HierarchicalTokens',
        net=dict(type='saip_mm.SAIPTinyViT', arch='5m',
                 img_size=(128, 64), drop_path_rate=0.,
                 use_mask_token=True),
        inter_stage=2),
    csm_head=dict(att_loss=None, att_loss_weight=0.))
