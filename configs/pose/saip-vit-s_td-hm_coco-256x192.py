# SAIP ViT-S, top-down heatmap pose on COCO keypoints at 256x192.
#
# The ViT-T recipe (``saip-vit-t_td-hm_coco-256x192.py``) with the small
# backbone; the layer decay of 0.8 is ViTPose-S's.
_base_ = ['./saip-vit-t_td-hm_coco-256x192.py']

backbone_checkpoint = 'checkpoints/saip_vit-s_backbone.pth'

model = dict(
    backbone=dict(arch='small', init_cfg=dict(checkpoint=backbone_checkpoint)),
    head=dict(in_channels=384))

optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.8))
