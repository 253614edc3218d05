"""Checkpoints that a kill at any moment of saving cannot corrupt."""
import contextlib
import logging
import os.path as osp
from pathlib import Path
from typing import Optional, Union

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from saip_mm.registry import HOOKS
from saip_mm.utils.checkpoint_loader import TMP_SUFFIX, write_atomic
from saip_mm.utils.log_filters import dropped_log_messages

ATOMIC_BACKEND = 'saip_mm.atomic_local'
DEPRECATED_FILE_CLIENT = (r'^"FileClient" will be deprecated'
                          r'|^"HardDiskBackend" is the alias of ')


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic writes (:func:`write_atomic`).

    Select it with ``backend_args=dict(backend='saip_mm.atomic_local')``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes atomically."""
        write_atomic(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text atomically."""
        write_atomic(obj.encode(encoding), filepath)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`~mmengine.hooks.CheckpointHook` that survives a kill.

    mmengine's hook (0.10) writes the checkpoint in place, so a job killed
    while saving (preemption, out of memory, a time limit) leaves a
    truncated file; it deletes the oldest kept checkpoint *before* writing
    the new one, so with ``max_keep_ckpts=1`` such a kill leaves none; and
    it rewrites ``last_checkpoint`` in place. Here:

    1. the checkpoint is written to a temporary file and renamed into place
       (:class:`AtomicLocalBackend`);
    2. then ``last_checkpoint`` is replaced the same way;
    3. only then are outdated checkpoints removed.

    So at every moment ``last_checkpoint`` names a complete checkpoint and
    ``--resume`` works. Temporary files left by a killed run are removed
    when training starts again.

    Remote ``out_dir`` (``s3://`` etc.) and explicit ``backend_args`` /
    ``file_client_args`` are used as given: object stores commit whole
    objects.

    Args:
        interval (int): Save period. Defaults to -1 (only the last).
        by_epoch (bool): Count ``interval`` in epochs. Defaults to True.
        out_dir (str | Path, optional): Where to save; the work dir if None.
        backend_args (dict, optional): File backend arguments; None selects
            the atomic local backend for a local ``out_dir``.
        file_client_args (dict, optional): Deprecated by mmengine; given,
            it is used as is.
        **kwargs: Other arguments of
            :class:`~mmengine.hooks.CheckpointHook`.
    """

    def __init__(self,
                 interval: int = -1,
                 by_epoch: bool = True,
                 *,
                 out_dir: Optional[Union[str, Path]] = None,
                 backend_args: Optional[dict] = None,
                 file_client_args: Optional[dict] = None,
                 **kwargs) -> None:
        if backend_args is None and file_client_args is None \
                and '://' not in str(out_dir or ''):
            backend_args = dict(backend=ATOMIC_BACKEND)
        super().__init__(
            interval=interval,
            by_epoch=by_epoch,
            out_dir=out_dir,
            backend_args=backend_args,
            file_client_args=file_client_args,
            **kwargs)

    def _unused_file_client_quiet(self):
        """mmengine 0.10 builds a FileClient in ``before_train`` and in every
        ``save_checkpoint`` and warns that FileClient is deprecated, though
        without ``file_client_args`` it never uses it: nothing a user of the
        config could change, so those warnings are dropped then."""
        if self.file_client_args is None:
            return dropped_log_messages(DEPRECATED_FILE_CLIENT)
        return contextlib.nullcontext()

    def before_train(self, runner) -> None:
        """Resolve the output folder; drop temporaries of a killed run."""
        with self._unused_file_client_quiet():
            super().before_train(runner)
        if not (is_main_process()
                and isinstance(self.file_backend, AtomicLocalBackend)
                and self.file_backend.isdir(self.out_dir)):
            return
        for name in self.file_backend.list_dir_or_file(
                self.out_dir, list_dir=False, suffix=TMP_SUFFIX):
            path = self.file_backend.join_path(self.out_dir, name)
            self.file_backend.remove(path)
            print_log(f'removed {path}, left by an interrupted save',
                      logger='current', level=logging.WARNING)

    def _save_checkpoint_with_step(self, runner, step: int,
                                   meta: dict) -> None:
        """Save, point ``last_checkpoint`` at it, then drop outdated ones."""
        outdated = self._keep(runner, step)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        with self._unused_file_client_quiet():
            runner.save_checkpoint(
                self.out_dir,
                filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)
        if not is_main_process():
            return
        write_atomic(self.last_ckpt.encode(),
                     osp.join(runner.work_dir, 'last_checkpoint'))
        if outdated is not None:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # e.g. DeepSpeed's folders
                self.file_backend.rmtree(path)

    def _keep(self, runner, step: int) -> Optional[int]:
        """Record ``step`` among the kept checkpoints (mmengine's
        bookkeeping, which ``--resume`` restores from the message hub).

        Returns:
            int, optional: The step whose checkpoint is now outdated.
        """
        if self.max_keep_ckpts <= 0 or (self.keep_ckpt_ids
                                        and self.keep_ckpt_ids[-1] == step):
            return None
        outdated = None
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            outdated = self.keep_ckpt_ids.popleft()
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))
        return outdated
