"""spacemap: map a partnership's public estate against the people it serves."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spacemap")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
