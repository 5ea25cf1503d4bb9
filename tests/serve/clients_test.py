#!/usr/bin/env python3
"""The Python client (examples/clients/dueday_client.py) against a live `dueday serve` (issue 11,
point 7): it feeds the October example, the server SIGKILLed after its first answers and restarted,
so that it must resend; feeding it all again is answered duplicate line by line; its follow prints
exactly the store's events (as `dueday events` prints them beside the server) and resumes where
its consumer acknowledged. Exit 0 when all holds; every server is stopped, the folder removed.

  clients_test.py DUEDAY CLIENT COMMANDS.jsonl WORK_DIR
"""

import json
import os
import shutil
import signal
import subprocess
import sys

from live_server import LiveServer


def check(ok, what):
    if not ok:
        raise AssertionError(what)


def main():
    dueday, client, commands, work = (os.path.abspath(a) for a in sys.argv[1:5])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with open(commands, encoding="utf-8") as f:
        n = sum(1 for line in f if line.strip())
    # The October example: one late delivery refused, two lines repeating an accepted command.
    accepted, rejected, repeated = n - 3, 1, 2
    token = os.path.join(work, "token")
    with open(token, "w", encoding="utf-8") as f:
        f.write("python-client-test-token\n")
    db = os.path.join(work, "monitor.db")
    py = [sys.executable, client, "--token-file", token, "--retry-for", "20"]

    with LiveServer(dueday, work, ["--db", db, "--clock", "manual", "--token-file", token]) as server:
        server.start()
        url = ["--url", server.url()]
        feed = subprocess.Popen(py[:2] + url + py[2:] + ["feed", commands, "--batch", "20", "--line-ids", "oct-"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = feed.stdout.readline()  # the first batch is answered: kill the server and start it again
        check(json.loads(first) == {"line": 1, "id": "oct-1", "outcome": "accepted"}, f"first outcome: {first}")
        check(server.stop(signal.SIGKILL) == -signal.SIGKILL, "SIGKILL ends dueday serve")
        server.start(f"127.0.0.1:{server.port}")
        rest = feed.stdout.read()  # not communicate(): readline() buffered more than the first line
        err = feed.stderr.read()
        feed.wait(timeout=60)
        check(feed.returncode == 0, f"feed exit {feed.returncode}: {err}")
        outcomes = [json.loads(first)] + [json.loads(line) for line in rest.splitlines()]
        check([o["line"] for o in outcomes] == list(range(1, n + 1)), "one outcome per line, in order")
        check(all(o["id"] == f"oct-{o['line']}" for o in outcomes), "outcomes carry the line ids")
        counts = {k: sum(1 for o in outcomes if o["outcome"] == k) for k in ("accepted", "rejected", "duplicate")}
        # Resent after the kill: some accepted commands may come back duplicate, none is lost.
        check(counts["rejected"] == rejected and counts["accepted"] + counts["duplicate"] == accepted + repeated
              and counts["duplicate"] >= repeated, f"counts {counts}")
        summary = err.strip().splitlines()[-1]
        check(summary == f"fed {n} commands: {counts['accepted']} accepted, {counts['rejected']} rejected, "
              f"{counts['duplicate']} duplicate", f"feed summary: {summary}")

        again = subprocess.run(py[:2] + url + py[2:] + ["feed", commands, "--line-ids", "oct-", "--quiet"],
                               capture_output=True, text=True, timeout=60)
        check(again.returncode == 0 and again.stdout == "", f"feed again: {again.returncode} {again.stderr}")
        check(again.stderr == f"fed {n} commands: 0 accepted, 0 rejected, {n} duplicate\n", again.stderr)

        # The store's events, read beside the server, and what a replay of the file raises.
        stored = subprocess.run([dueday, "events", "--db", db], capture_output=True, text=True, timeout=60).stdout
        replayed = subprocess.run([dueday, "replay", "--input", commands], capture_output=True, text=True, timeout=60)
        events = len(replayed.stdout.splitlines())
        check(len(stored.splitlines()) == events, f"{len(stored.splitlines())} events stored, replay {events}")

        def follow(*args):
            r = subprocess.run(py[:2] + url + py[2:] + ["follow", "--wait", "1", *args], capture_output=True,
                               text=True, timeout=60)
            check(r.returncode == 0, f"follow {args}: exit {r.returncode}: {r.stderr}")
            return r.stdout, r.stderr

        out, err = follow("--consumer", "py", "--until-idle")
        check(out == stored, "follow prints the store's events")
        check(err == f"followed {events} events; py acknowledged {events}\n", err)
        out, err = follow("--consumer", "py", "--until-idle")
        check(out == "" and err == f"followed 0 events; py acknowledged {events}\n", f"follow again: {err}")
        lines = stored.splitlines(keepends=True)
        out, err = follow("--consumer", "five", "--max-events", "5")
        check(out == "".join(lines[:5]) and err == "followed 5 events; five acknowledged 5\n", f"five: {err}")
        out, err = follow("--consumer", "five", "--max-events", "5")
        check(out == "".join(lines[5:10]) and err == "followed 5 events; five acknowledged 10\n", f"five: {err}")

        bad = os.path.join(work, "no-ids.jsonl")
        with open(bad, "w", encoding="utf-8") as f:
            f.write('{"type":"tick","at":"2026-11-02T09:00"}\n')
        r = subprocess.run(py[:2] + url + py[2:] + ["feed", bad], capture_output=True, text=True, timeout=60)
        check(r.returncode == 2 and r.stderr.startswith(f'dueday_client: {bad}:1: no "id"'), f"no ids: {r.stderr}")
        check(server.stop() == 0, "SIGTERM ends dueday serve with exit 0")
    shutil.rmtree(work)
    print(f"python client: fed {n} commands ({counts['duplicate']} duplicate: the file's {repeated} repeats and "
          f"{counts['duplicate'] - repeated} resent after a SIGKILL), followed {events} events")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"clients test: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
