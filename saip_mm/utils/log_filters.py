"""Keep library messages that a user cannot act on out of the log."""
import logging
import re
from contextlib import contextmanager
from typing import Iterator, Union

from mmengine.logging import MMLogger


class _DropMatching(logging.Filter):

    def __init__(self, pattern: re.Pattern) -> None:
        super().__init__()
        self.pattern = pattern
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if self.pattern.search(record.getMessage()):
            self.dropped += 1
            return False
        return True


@contextmanager
def dropped_log_messages(pattern: Union[str, re.Pattern]
                         ) -> Iterator[_DropMatching]:
    """Drop the current mmengine logger's messages matching ``pattern``.

    Only inside the ``with`` block and only the matching messages: the
    caller replaces them with a message of its own (a summary, or nothing
    when the message is about mmengine's internals).

    Args:
        pattern (str | re.Pattern): Searched in each formatted message.

    Yields:
        The filter; its ``dropped`` attribute counts the dropped messages.

    Example:
        >>> with dropped_log_messages(r'^paramwise_options -- ') as drop:
        ...     build_optim_wrapper(model, cfg)
        >>> drop.dropped
        207
    """
    logger = MMLogger.get_current_instance()
    drop = _DropMatching(re.compile(pattern))
    logger.addFilter(drop)
    try:
        yield drop
    finally:
        logger.removeFilter(drop)
