"""`dueday serve` started and stopped by a test (clients_test.py, readme_walkthrough.py): on a free
loopback port, its stderr in a file, killed at exit if still running."""

import os
import signal
import subprocess
import time


class LiveServer:
    def __init__(self, dueday, cwd, args, log="serve-stderr.txt"):
        self.log = os.path.join(cwd, log)
        self.args = [dueday, "serve", *args]
        self.cwd = cwd
        self.proc = None
        self.port = None
        self.line = None

    def start(self, listen="127.0.0.1:0"):
        """Starts it; returns its serving line (the port read from it), or fails."""
        offset = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen(self.args + ["--listen", listen], cwd=self.cwd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err)
        give_up = time.monotonic() + 20
        while time.monotonic() < give_up:
            with open(self.log, "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
            if "\n" in text:
                self.line = text.split("\n", 1)[0]
                if not self.line.startswith("dueday: serving "):
                    raise AssertionError(f"dueday serve said: {self.line}")
                self.port = int(self.line.split()[2].rsplit(":", 1)[1])
                return self.line
            if self.proc.poll() is not None:
                raise AssertionError(f"dueday serve exited {self.proc.returncode} without serving")
            time.sleep(0.01)
        raise AssertionError("dueday serve did not say where it serves within 20 s")

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig=signal.SIGTERM):
        """Sends `sig` and returns the exit status (negative: the signal that ended it)."""
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=20)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
