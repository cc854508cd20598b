"""The one error of ``deploygate db``: one line saying what is wrong and how to fix it, and the
exit status the command ends with (the deploygate command's table: 1 a check failed, 4 usage)."""

from __future__ import annotations

OK, FAILED, USAGE = 0, 1, 4


class ReleaseError(Exception):
    """A refused or failed database release step; ``str()`` is the line to print (unmasked)."""

    def __init__(self, message: str, status: int = FAILED) -> None:
        super().__init__(message)
        self.status = status
