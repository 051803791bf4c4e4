"""How a ``sosim`` command stops on bad input: one line on stderr, exit status 2.

Every command says what is wrong in the same words (``sosim <command>: <what>; nothing was
run.``) and returns :data:`EXIT_BAD_INPUT`, whether the problem is an option, a file it
cannot read or a folder it cannot write (:func:`os_problem`).

Example:
    >>> refuse("market", "--year must be within the market's years (got 1999)")
    2
"""

from __future__ import annotations

import sys

__all__ = ["EXIT_BAD_INPUT", "EXIT_OK", "os_problem", "refuse"]

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def refuse(command: str, message: str, outcome: str = "nothing was run") -> int:
    """Print ``sosim <command>: <message>; <outcome>.`` on stderr; return exit status 2.

    Example:
        >>> import contextlib, io
        >>> err = io.StringIO()
        >>> with contextlib.redirect_stderr(err):
        ...     status = refuse("fit", "--seed must be non-negative (got -1)",
        ...                     "nothing was written")
        >>> status, err.getvalue()
        (2, 'sosim fit: --seed must be non-negative (got -1); nothing was written.\\n')
    """
    print(f"sosim {command}: {message}; {outcome}.", file=sys.stderr)
    return EXIT_BAD_INPUT


def os_problem(err: OSError) -> str:
    """An operating-system error in words: the file it concerns and what went wrong.

    Example:
        >>> try:
        ...     open("/no/such/folder/x.csv")
        ... except OSError as err:
        ...     print(os_problem(err))
        /no/such/folder/x.csv: No such file or directory
    """
    what = err.strerror or str(err)
    return f"{err.filename}: {what}" if err.filename is not None else what
