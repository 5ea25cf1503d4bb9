#!/usr/bin/env python3
"""The README's curl walkthrough of `dueday serve`, run as written against a live server, so that
the README cannot drift from the service. It reads the text block after "A walkthrough with curl"
in README.md: a line "$ COMMAND" is run by sh (in a fresh folder holding a link to the
repository's examples/, `dueday` first on the PATH), the lines after it are its expected output,
"..." in them standing for any text. `dueday serve ... &` is started by this test on a free port
(which replaces 8490 everywhere), `kill %1` sends it SIGTERM and expects exit 0. A long poll's
`wait=S` is cut to 1 s.

  readme_walkthrough.py DUEDAY README.md REPOSITORY WORK_DIR
"""

import os
import re
import shlex
import shutil
import subprocess
import sys

from live_server import LiveServer


def walkthrough(readme):
    """[(command, [expected lines])] of the walkthrough's text block."""
    text = open(readme, encoding="utf-8").read()
    start = text.index("A walkthrough with curl")
    block = text[text.index("```text\n", start) + len("```text\n"):]
    block = block[:block.index("```")]
    steps = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def matches(expected, actual):
    """Whether `actual` is `expected` with each "..." standing for any text."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def main():
    dueday, readme, repo, work = (os.path.abspath(a) for a in sys.argv[1:5])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.symlink(os.path.join(repo, "examples"), os.path.join(work, "examples"))
    bin_dir = os.path.join(work, "bin")
    os.makedirs(bin_dir)
    os.symlink(dueday, os.path.join(bin_dir, "dueday"))
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    steps = walkthrough(readme)
    if len(steps) < 5:
        raise AssertionError(f"the walkthrough has {len(steps)} commands")
    server = None
    try:
        for command, expected in steps:
            if command.startswith("dueday serve "):
                args = shlex.split(command.split("&")[0])[2:]
                server = LiveServer(dueday, work, args)
                line = server.start()
                want = expected[0].replace("127.0.0.1:8490", f"127.0.0.1:{server.port}")
                if line != want:
                    raise AssertionError(f"{command}\n  said: {line}\n  README: {want}")
                continue
            if server is None:
                raise AssertionError(f"{command}: before the server is started")
            if command.startswith("kill %1"):
                status = server.stop()
                if status != 0:
                    raise AssertionError(f"{command}: dueday serve exited {status}")
                server = None
                continue
            run = command.replace("127.0.0.1:8490", f"127.0.0.1:{server.port}")
            run = re.sub(r"wait=\d+", "wait=1", run)  # a long poll with nothing new waits 1 s here
            out = subprocess.run(["sh", "-c", run], cwd=work, env=env, capture_output=True, text=True, timeout=60)
            actual = out.stdout.splitlines()
            if out.returncode != 0 or len(actual) != len(expected) or not all(map(matches, expected, actual)):
                raise AssertionError(f"{command}\n  answered (exit {out.returncode}): {actual}\n  README: {expected}")
        if server is not None:
            raise AssertionError("the walkthrough does not stop the server")
    finally:
        if server is not None:
            server.__exit__()
    shutil.rmtree(work)
    print(f"README walkthrough: {len(steps)} commands answered as written")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"README walkthrough: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
