"""What a benchmark phase's process and its worker processes cost: peak memory, CPU time.

Linux figures come from `/proc` (a worker's CPU time and memory are read while it is alive: the
pool keeps its workers until the process exits); elsewhere `getrusage` of this process only.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path
from typing import Any


def _status_kb(pid: int | str, field: str) -> float | None:
    """A `/proc/<pid>/status` figure in kB (Linux), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """This process's peak resident memory. On Linux `VmHWM`: `ru_maxrss` would start from the
    parent's size when it forked us (the generator's, at a million messages)."""
    hwm = _status_kb("self", "VmHWM")
    if hwm is not None:
        return hwm / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class TotalPeak:
    """The peak of this process's and its workers' resident memory together, sampled every
    20 ms on a thread (each process's own peak comes at a different time: their sum would
    overstate what the machine ever held at once)."""

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from keepwarm import workers

        while not self._stop.wait(0.02):
            pids: list[int | str] = ["self"]
            pids += [w.process.pid for w in list(workers._pool)]
            now = sum((_status_kb(pid, "VmRSS") or 0.0) for pid in pids) / 1024
            self.peak_mb = max(self.peak_mb, now)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peak_mb, peak_rss_mb())


def worker_figures() -> dict[str, Any]:
    """The worker processes (`keepwarm.workers`) this phase used: how many, their CPU time and
    the sum of their peak memories (they run beside this process, so a user pays for both)."""
    from keepwarm import workers

    pids = [w.process.pid for w in workers._pool if w.process.poll() is None]
    peak = cpu = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        peak += (_status_kb(pid, "VmHWM") or 0.0) / 1024
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return {"workers": len(pids), "workers_cpu_seconds": cpu, "workers_peak_rss_mb": peak}


def cpu_seconds() -> float:
    """User + system CPU time of this process (less sensitive than wall time to a busy machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
