# SAIP ViT-Tiny with torch's fused AdamW: one kernel over all parameters
# instead of a loop of small ops per tensor (CUDA, and CPU since torch 2.4;
# the optimizer phase of a ViT-T step on a 2-core CPU drops from 201 to
# 71 ms, see docs/benchmarks.md). Same updates as the for-loop AdamW.
_base_ = ['./saip_vit-t.py']
optim_wrapper = dict(optimizer=dict(fused=True))
