"""Errors a user can fix: the CLI prints them as one line and exits with code 2."""

from __future__ import annotations


class BadInput(Exception):
    """Bad input from the user (a file, a size, an artifact, a prompt).

    The message names the input and the reason in one line; the CLI prints it
    without a traceback and exits with code 2.
    """

    exit_code = 2
