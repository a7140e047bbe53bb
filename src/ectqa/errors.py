"""Errors that stop a check: one clear line for stderr, exit code 2."""

from __future__ import annotations


class InputError(Exception):
    """The input (file, folder, config, usage) cannot be checked.

    The message is one line that names the file, what is wrong, and what to do.
    """

    exit_code = 2


class ConfigError(InputError):
    """A bad config file or key."""
