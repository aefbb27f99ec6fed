"""One warm driver (jobs/_warm.py) on the test lab: jobs submitted to it run one after another in
the same SparkSession, so a test module pays spark-submit's start-up and the first batch's
warm-up once instead of once per job. What a job prints comes back as from `lab submit`."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from pathlib import Path

from lab import runtimes
from lab.config.settings import Settings
from tests.support.lab import tail


class WarmDriver:
    def __init__(self, settings: Settings, env: dict[str, str], folder: Path):
        self.folder = folder
        self.log = folder / "warm-driver.log"
        self.runs = 0
        fifo = folder / "requests"
        os.mkfifo(fifo)
        # Read-write, so that opening never blocks; closing it is the driver's end of input.
        self.requests = os.open(fifo, os.O_RDWR)
        with self.log.open("w") as log:
            self.job = runtimes.get(settings).spawn_job(
                "_warm", ["--requests", str(fifo)], env, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1
            )
        self.replies: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with self.log.open("a") as log:  # the driver's other output, for its last lines on a failure
            for line in self.job.proc.stdout:
                if line.startswith("WARM-DONE "):
                    self.replies.put(line[len("WARM-DONE ") :])
                else:
                    log.write(line)
                    log.flush()
        self.replies.put(None)  # the driver exited

    def submit(
        self, job: str, *args: str, env: dict[str, str] | None = None, timeout: float = 240, check: bool = True
    ) -> subprocess.CompletedProcess:
        """Run `job` with `args` to its end; like tests.support.lab.submit, a non-zero exit fails
        when `check`. A job that does not end within `timeout` fails the test with its last lines."""
        self.runs += 1
        out, err = self.folder / f"{self.runs:02d}-{job}.out", self.folder / f"{self.runs:02d}-{job}.err"
        request = {"job": job, "args": list(args), "env": env or {}, "stdout": str(out), "stderr": str(err)}
        os.write(self.requests, (json.dumps(request) + "\n").encode())
        try:
            reply = self.replies.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise AssertionError(
                f"{job} {' '.join(args)} did not finish within {timeout:.0f} s in the warm driver; "
                f"its last lines:\n{tail(out)}\n{tail(err)}\nthe driver's:\n{tail(self.log)}"
            ) from None
        if reply is None:
            raise AssertionError(f"the warm driver exited during {job}; its last lines:\n{tail(err)}\n{tail(self.log)}")
        proc = subprocess.CompletedProcess([job, *args], json.loads(reply)["code"], out.read_text(), err.read_text())
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{job} {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        return proc

    def close(self, timeout: float = 60) -> None:
        if self.requests is not None:
            os.close(self.requests)
            self.requests = None
        if self.job.proc.poll() is None:
            try:
                self.job.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.job.kill()
                self.job.proc.wait()
