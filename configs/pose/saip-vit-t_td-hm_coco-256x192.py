# SAIP ViT-T, top-down heatmap pose on COCO keypoints at 256x192.
#
# mmpose's ViTPose recipe (classic decoder: two deconvolutions, UDP heatmaps,
# AdamW with layer-wise lr decay, 210 epochs) with the backbone swapped for a
# SAIP-pretrained ``saip_mm.SAIPViT``. Data follow mmpose's COCO layout under
# ``data/coco/`` (person detections for val included).
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/coco/'
          'td-hm_ViTPose-small_8xb64-210e_coco-256x192.py']

# backbone-only checkpoint (tools/model_converters/saip_to_backbone.py; a
# whole SAIP training checkpoint works too); override with
# --cfg-options model.backbone.init_cfg.checkpoint=PATH
backbone_checkpoint = 'checkpoints/saip_vit-t_backbone.pth'

# replaces the base's import of mmpose's layer-decay constructor, which only
# knows mmpretrain.VisionTransformer parameter names
custom_imports = dict(imports=['saip_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='saip_mm.SAIPViT',
        arch='tiny',
        img_size=(256, 192),
        out_type='featmap',
        # SAIP pretrains with a CLS token in every block (CSM distils it);
        # keeping it keeps the token statistics the weights were learned
        # with, for one token of cost. False drops it ViTPose-style.
        with_cls_token=True,
        inter_index=None,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint)),
    head=dict(in_channels=192))

optim_wrapper = dict(
    _delete_=True,
    constructor='saip_mm.LayerDecayOptimWrapperConstructor',
    optimizer=dict(
        type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.1),
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        custom_keys=dict(
            pos_embed=dict(decay_mult=0.), cls_token=dict(decay_mult=0.))),
    clip_grad=dict(max_norm=1., norm_type=2))

# relative to {val,test}_dataloader.dataset.data_root like the dataset's own
# ann_file (tools/train.py and tools/test.py join them), so that a data_root
# pointed elsewhere moves the metric's json too
val_evaluator = dict(ann_file='annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
