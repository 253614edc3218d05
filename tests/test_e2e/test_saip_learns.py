"""SAIP learns: a short run on a few dozen real crops in which the teacher
starts as the student, every objective's loss falls and the CSM collapse
monitors stay healthy.

The model is a narrow ViT (4 blocks, 96 wide) at the CPU proxy's half
resolution with small heads, trained on 48 crops of ``../shared/data/persons``
at batch 16 (3 batches an epoch) for ``ITERS`` iterations, seed 0. The
margins are set from measured runs (docs/benchmarks.md, "The learning test"):
each is about half of the smallest fall measured over seeds 0-2, and several
times the iteration-to-iteration noise of the early window.
"""
import math
from pathlib import Path
from typing import Dict, List

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

REPO = Path(__file__).resolve().parents[2]
ITERS = 60
EARLY, LATE = 5, 10  # mean of the first EARLY and of the last LATE values
# smallest relative fall, (early - late) / early, each loss must show
MIN_FALL = dict(loss_csm=0.02, loss_csm_att=0.2, loss_csr=0.05,
                loss_css_inst=0.2, loss_css_roi=0.2)


class Recorder(Hook):
    """Teacher == student before the first step; every logged value."""

    def __init__(self) -> None:
        self.curves: Dict[str, List[float]] = {}
        self.teacher_was_student = None

    def before_train(self, runner) -> None:
        model = runner.model
        pairs = [(model.teacher[name].state_dict(),
                  getattr(model, name).state_dict())
                 for name in model.teacher.net]
        self.teacher_was_student = all(
            torch.equal(v, student[k])
            for teacher, student in pairs for k, v in teacher.items())

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        for key, value in outputs.items():
            self.curves.setdefault(key, []).append(float(value))


def learning_run(work_dir: Path, persons: Path, seed: int = 0,
                 iters: int = ITERS) -> Recorder:
    """Train the narrow proxy and record its curves."""
    cfg = Config.fromfile(str(REPO / 'configs/saip/saip_vit-t_cpu-proxy.py'))
    cfg.model.backbone.arch = dict(embed_dims=96, num_layers=4, num_heads=3)
    cfg.model.backbone.inter_index = 1
    cfg.model.csm_head.update(hidden_channels=256, bottleneck_channels=64,
                              out_channels=1024)
    cfg.model.csr_head.update(embed_dims=64, depth=1, num_heads=2)
    cfg.model.css_head.update(embed_dims=64, num_heads=2)
    cfg.train_dataloader.batch_size = 16
    cfg.train_dataloader.dataset.update(data_root=str(persons), indices=48)
    cfg.optim_wrapper.optimizer.lr = 1e-3
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1,
                                by_epoch=False, begin=0, end=5)]
    cfg.train_cfg.max_iters = iters
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger.interval = 10
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'learning_run_{seed}_{work_dir.name}'
    runner = Runner.from_cfg(cfg)
    recorder = Recorder()
    runner.register_hook(recorder, 'LOWEST')
    runner.train()
    return recorder


def relative_fall(curve: List[float]) -> float:
    early = sum(curve[:EARLY]) / EARLY
    late = sum(curve[-LATE:]) / LATE
    return (early - late) / early


def test_saip_learns(tmp_path, shared_data):
    run = learning_run(tmp_path, shared_data / 'persons')
    assert run.teacher_was_student, 'the EMA teacher did not start as the ' \
        'student'
    falls = {k: relative_fall(run.curves[k]) for k in MIN_FALL}
    for key, margin in MIN_FALL.items():
        assert falls[key] > margin, (key, falls, run.curves[key])
    # no collapse: the teacher is neither uniform over the K prototypes nor
    # the same one-hot for every image
    log_k = math.log(1024)
    entropy = run.curves['csm_teacher_entropy'][-1]
    batch_entropy = run.curves['csm_batch_entropy'][-1]
    assert 0.05 * log_k < entropy < 0.95 * log_k, entropy
    assert batch_entropy > entropy + 0.5, (batch_entropy, entropy)
    assert all(math.isfinite(v) for c in run.curves.values() for v in c)
