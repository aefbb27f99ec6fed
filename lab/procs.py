"""Read a process's state and parent from /proc/<pid>/stat (Linux), for finding the lab's processes."""

from __future__ import annotations

from pathlib import Path


def stat(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid), or None once the process is gone. The command name in the
    file may hold spaces and parentheses, so the fields are read after its last ')'."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1])
    except (OSError, ValueError, IndexError):
        return None
