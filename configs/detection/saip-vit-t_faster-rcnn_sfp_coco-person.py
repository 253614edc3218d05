# Person detection on COCO (person class only) with a SAIP ViT-Tiny,
# Faster R-CNN and a simple feature pyramid; 1x schedule.
#   python tools/train.py \
#       configs/detection/saip-vit-t_faster-rcnn_sfp_coco-person.py
_base_ = [
    './_base_/saip-vit-t_faster-rcnn_sfp_adamw-1x.py',
    '../_base_/datasets/coco_person.py'
]
