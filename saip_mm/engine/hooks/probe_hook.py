"""Watch representation quality during pretraining: a ReID retrieval probe.
"""
from typing import Dict, Optional, Sequence, Tuple

from mmengine.dist import broadcast_object_list, get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from saip_mm.evaluation.probes import FEATURE_TYPES, reid_probe
from saip_mm.registry import HOOKS

DataBatch = Optional[dict]


@HOOKS.register_module()
class ReIDProbeHook(Hook):
    """Training-free ReID retrieval probe of the student backbone.

    Every ``interval`` epochs (or iterations) the student backbone ranks the
    gallery of a Market-1501 style folder for each query by cosine
    similarity of its frozen features (see
    :func:`saip_mm.evaluation.probes.reid_probe`). mAP and Rank-k go to the
    log, to the visualizer backends (``scalars.json``, TensorBoard...) at the
    current iteration, and to the message hub as ``probe/reid_mAP``,
    ``probe/reid_R1``, ... The names contain no ``loss``, so nothing is
    added to the objective.

    Under DDP only rank 0 runs the probe, on the unwrapped backbone (no
    collective operation inside), and broadcasts the numbers, so every rank
    logs the same values and no rank waits on a collective the others skip.

    Args:
        data_root (str): Market-1501 style root (``query/``,
            ``bounding_box_test/``).
        interval (int): Probe every ``interval`` epochs or iterations.
            Defaults to 1.
        by_epoch (bool): Count ``interval`` in epochs, else iterations.
            Defaults to True.
        feature (str): ``'cls'`` or ``'avg'`` (mean patch token).
            Defaults to 'cls'.
        batch_size (int): Images per forward. Defaults to 64.
        num_workers (int): Probe DataLoader workers. Defaults to 0.
        ranks (Sequence[int]): CMC ranks. Defaults to (1, 5, 10).
        img_size (tuple[int, int]): Probe input (H, W). Defaults to
            (256, 128).
        before_train (bool): Also probe the initial weights, as the
            reference point of the run. Defaults to False.

    Example:
        >>> custom_hooks = [
        ...     dict(type='saip_mm.ReIDProbeHook',
        ...          data_root='../shared/data/reid_grid', interval=1)]
    """
    priority = 'LOW'

    def __init__(self,
                 data_root: str,
                 interval: int = 1,
                 by_epoch: bool = True,
                 feature: str = 'cls',
                 batch_size: int = 64,
                 num_workers: int = 0,
                 ranks: Sequence[int] = (1, 5, 10),
                 img_size: Tuple[int, int] = (256, 128),
                 before_train: bool = False) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        if feature not in FEATURE_TYPES:
            raise ValueError(f'feature must be one of {FEATURE_TYPES}, got '
                             f'{feature!r}')
        self.data_root = data_root
        self.interval = interval
        self.by_epoch = by_epoch
        self.feature = feature
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.ranks = tuple(ranks)
        self.img_size = tuple(img_size)
        self.probe_before_train = before_train

    def before_train(self, runner) -> None:
        if self.probe_before_train:
            self.probe(runner, step=runner.iter)

    def after_train_epoch(self, runner) -> None:
        if self.by_epoch and self.every_n_epochs(runner, self.interval):
            self.probe(runner, step=runner.iter)

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: DataBatch = None,
                         outputs: Optional[dict] = None) -> None:
        if not self.by_epoch and self.every_n_train_iters(
                runner, self.interval):
            # runner.iter still counts the iteration that just finished as 0
            self.probe(runner, step=runner.iter + 1)

    def probe(self, runner, step: int) -> Dict[str, float]:
        """Run the probe (rank 0), share and log its results.

        Args:
            runner (Runner): The runner.
            step (int): Completed training iterations, the x of the logged
                scalars.

        Returns:
            dict: ``probe/reid_mAP``, ``probe/reid_R1``, ... in percent.
        """
        results = [None]
        if get_rank() == 0:
            model = runner.model.module if is_model_wrapper(runner.model) \
                else runner.model
            scores = reid_probe(model.backbone, self.data_root, self.feature,
                                self.batch_size, self.num_workers,
                                self.ranks, self.img_size)
            results[0] = {
                f'probe/reid_{key}': scores[key]
                for key in ['mAP'] + [f'R{k}' for k in self.ranks]
            }
        broadcast_object_list(results)
        metrics = results[0]
        for key, value in metrics.items():
            runner.message_hub.update_scalar(key, value)
        runner.visualizer.add_scalars(metrics, step=step)
        runner.logger.info(
            f'ReID probe ({self.feature} features, {self.data_root}) after '
            f'{step} iterations: ' +
            '  '.join(f'{k.split("_", 1)[1]}: {v:.2f}'
                      for k, v in metrics.items()))
        return metrics
