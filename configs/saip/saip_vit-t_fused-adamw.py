# SAIP ViT-Tiny with torch's fused AdamW: one kernel over all parameters
# instead of a loop of small ops per tensor (CUDA, and CPU since torch 2.4;
# on a 2-core CPU the optimizer step is ~10x faster, see
# docs/benchmarks.md). Same updates as the for-loop AdamW to float rounding.
_base_ = ['./saip_vit-t.py']
optim_wrapper = dict(optimizer=dict(fused=True))
