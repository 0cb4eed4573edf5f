"""User-facing errors: each one is printed as a single line by the CLI, never as a traceback."""

import difflib
import sys
import warnings


class SuiteError(Exception):
    """Bad input or missing resources; the message is a complete one-line explanation."""


class DataMissing(SuiteError):
    """A dataset's files are absent; the message says where to put them."""


class StandInWarning(UserWarning):
    """Files under a paper's dataset name are not the paper's corpus: they run as a labelled stand-in, never
    compared with the paper. The CLI and its worker processes print the message as one `warning:` line."""


def show_stand_in_warnings():
    """From now on in this process, a `StandInWarning` prints as one `warning:` line; others as Python shows them."""
    python_show = warnings.showwarning
    if getattr(python_show, "shows_stand_ins", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, StandInWarning):
            print(f"warning: {message}", file=sys.stderr, flush=True)
        else:
            python_show(message, category, filename, lineno, file, line)
    show.shows_stand_ins = True
    warnings.showwarning = show


def unknown(kind: str, name: str, choices) -> SuiteError:
    """'unknown table: coupled-10 (did you mean coupled-1?)'"""
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
    hint = f" (did you mean {' or '.join(close)}?)" if close else f" (choose from: {', '.join(choices)})"
    return SuiteError(f"unknown {kind}: {name!r}{hint}")
