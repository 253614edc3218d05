# Pedestrian detection on CrowdHuman (full boxes) with a SAIP ViT-Tiny,
# Faster R-CNN and a simple feature pyramid. Anchors, proposal counts and
# the 30-epoch schedule follow mmdet's CrowdDet recipe
# (crowddet-rcnn_r50_fpn_8xb2-30e_crowdhuman.py).
_base_ = [
    './_base_/saip-vit-t_faster-rcnn_sfp_adamw-1x.py',
    '../_base_/datasets/crowdhuman.py'
]

model = dict(
    # tall boxes: aspect ratios (h / w) 1, 2 and 3
    rpn_head=dict(anchor_generator=dict(ratios=[1.0, 2.0, 3.0])),
    train_cfg=dict(rpn_proposal=dict(nms_pre=2400, max_per_img=2000)),
    # crowds: keep many low-score boxes for AP / MR^-2
    test_cfg=dict(
        rpn=dict(nms_pre=1200, max_per_img=1000),
        rcnn=dict(score_thr=0.01, max_per_img=500)))

train_cfg = dict(max_epochs=30)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=800),
    dict(type='MultiStepLR', begin=0, end=30, by_epoch=True,
         milestones=[24, 27], gamma=0.1)
]
