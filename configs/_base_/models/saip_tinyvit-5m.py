# The SAIP-pretrained TinyViT-5M backbone of the downstream configs: each
# task config replaces the ViT-T recipe's backbone with it and adds what the
# task differs in (img_size, out_indices, out_type):
#   model = dict(backbone=dict(_base_.tinyvit_backbone, _delete_=True,
#                              img_size=..., out_indices=..., out_type=...))
# A variable rather than `model`: mmengine refuses two bases that both set
# `model`, and the task's ViT-T recipe sets it.
tinyvit_backbone = dict(
    type='saip_mm.SAIPTinyViT',
    arch='5m',
    drop_path_rate=0.1,
    # backbone-only checkpoint of a SAIP-pretrained SAIPTinyViT; override
    # with --cfg-options model.backbone.init_cfg.checkpoint=PATH
    init_cfg=dict(type='Pretrained',
                  checkpoint='checkpoints/saip_tinyvit-5m_backbone.pth'))
