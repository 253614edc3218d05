"""Models: backbones, the SAIP algorithm, heads, losses, necks."""
from . import algorithms, backbones, heads, losses, necks, utils  # noqa: F401
