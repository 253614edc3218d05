# SAIP with a hierarchical student: TinyViT-5M (mmpretrain's, as
# saip_mm.SAIPTinyViT; stages 64/128/160/320 wide at strides 4/8/16/32) at
# 256x128, everything else as configs/saip/saip_vit-t.py (views, heads,
# schedule, the three algorithm hooks). saip_mm.HierarchicalTokens gives the
# net the token interface SAIP reads; docs/pretraining.md, "SAIP on a
# hierarchical backbone". What differs from the ViT recipe, and why:
# - backbone.inter_stage=2: stage 2 (stride 16, 160 wide) plays block 7's
#   role; its grid at 256x128 is the ViT/16 grid (16x8), so CSR masks and
#   CSS maps keep their sizes. CSR and CSS heads read 160 channels, CSM 320
#   (SAIP gives each head the width of the tokens it reads).
# - the "CLS" is the mean of the last stage's map (CSM) or of stage 2's (CSR
#   context, CSS query), through final_norm / inter_norm.
# - CSR masks SimMIM-style: the hidden stride-16 cells are zeroed in the
#   image and replaced by the net's mask token at the stem
#   (net.use_mask_token=True); the whole grid is encoded and the visible
#   cells' tokens go to the unchanged CSR decoder.
# - no attention term in CSM (att_loss_weight=0): windowed attention has no
#   global attention maps to distil.
# - net.drop_path_rate=0 as the ViT recipe (mmpretrain's TinyViT default is
#   0.1).
_base_ = ['./saip_vit-t.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='saip_mm.HierarchicalTokens',
        net=dict(type='saip_mm.SAIPTinyViT', arch='5m',
                 img_size=(256, 128), drop_path_rate=0.,
                 use_mask_token=True),
        inter_stage=2),
    csm_head=dict(att_loss=None, att_loss_weight=0.))
