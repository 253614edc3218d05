# Person ReID on Market-1501 with a SAIP ViT-Small (384-d features).
_base_ = ['./saip-vit-t_reid_market1501-256x128.py']

backbone_checkpoint = 'checkpoints/saip_vit-s_backbone.pth'

model = dict(
    backbone=dict(
        arch='small', init_cfg=dict(checkpoint=backbone_checkpoint)),
    head=dict(in_channels=384, fc_channels=384, out_channels=384))
