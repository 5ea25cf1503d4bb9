#!/usr/bin/env python3
"""The README's cluster walkthrough (section "worker, publish, cluster-events"), run as written
against real nats-server processes, so that the README cannot drift from the CLI.

It takes the section's two ```sh blocks: (1) a 3-node nats-server cluster, `publish` of the October
example, two workers, `cluster-events | wc -l`, `kill %4 %5`; (2) `serve --nats` and curl, with the
answers the README shows after each command (lines starting with "{", "..." standing for any text).
Both blocks run one after the other, as pasted into one shell, in a fresh folder holding links
build/release/dueday (the built CLI) and examples/ (the repository's), with nats-server first on the
PATH. Only these change: the ports 4222-4224, 6222-6224 and 8490 become free loopback ports (so that
$((4222+i)) still works, the first six come in two runs of three), /tmp/nats becomes a folder here.
Background commands (`... &`) are started by this test, numbered as the shell numbers its jobs,
`kill %J` sends them SIGTERM; every process is bounded in time and killed when the test ends, even
when it fails (or when the test itself is killed: they die with it).

What the README claims, checked:
- publish stores every command: one per line, a tick once per partition (counted from the file);
- with two workers, `cluster-events | wc -l` reaches, within 20 s, exactly the number of events a
  local `dueday replay` of the same file gives (and never passes it);
- SIGTERM ends each worker with status 0 and its counts line, shaped as the README's example
  (same keys in the same order, its own name, counts as numbers);
- serve's answers are the ones shown (the first two lines, their partitions also worked out here
  from FNV-1a 64 as include/dueday/partition.hpp defines it, and /healthz), and SIGTERM ends it
  with status 0.

Without nats-server it prints SKIPPED and exits 77 (ctest: skipped), unless DUEDAY_CLUSTER_REQUIRED
or CI is set (./build.sh test): then it fails, as the other tests under tests/cluster do.

  readme_cluster_walkthrough.py DUEDAY README.md REPOSITORY WORK_DIR
"""

import ctypes
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

SECTION = "### worker, publish, cluster-events: partitioned engines on NATS JetStream"
SKIPPED = 77
STEP_SECONDS = 30  # any one foreground command
EVENTS_SECONDS = 20  # the workers, to bring the event log to the replay's count
STOP_SECONDS = 15  # a process, to exit after SIGTERM


class Failed(Exception):
    pass


def fnv1a_64(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) % (1 << 64)
    return h


# The published vectors (include/dueday/partition.hpp): this hash is the one the README means.
assert fnv1a_64("") == 0xCBF29CE484222325 and fnv1a_64("a") == 0xAF63DC4C8601EC8C
assert fnv1a_64("foobar") == 0x85944171F73967E8


# ---------------------------------------------------------------------------------- the README

def section_text(readme):
    text = open(readme, encoding="utf-8").read()
    start = text.find(SECTION + "\n")
    if start < 0:
        raise Failed(f"README.md has no heading {SECTION!r}: update this test with the README")
    rest = text[start + len(SECTION) + 1:]
    end = re.search(r"^#{1,3} ", rest, re.MULTILINE)
    return rest[:end.start()] if end else rest


def sh_blocks(section):
    return re.findall(r"^```sh\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)


def logical_lines(block):
    """The block's lines with backslash continuations joined, blank lines dropped."""
    lines = []
    pending = ""
    for raw in block.splitlines():
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        line = pending + raw
        pending = ""
        if line.strip():
            lines.append(line)
    if pending:
        raise Failed(f"a README block ends inside a continued line: {pending!r}")
    return lines


def steps_of(block):
    """[(command, [expected output lines])]; a `for V in ...; do BODY & done` loop becomes one
    background command per value, each with `V=value; ` in front."""
    steps = []
    lines = logical_lines(block)
    i = 0
    while i < len(lines):
        line = lines[i]
        loop = re.fullmatch(r"for (\w+) in ([\w ]+); do", line.strip())
        if loop:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "done"), None)
            if end is None or end != i + 2:
                raise Failed(f"README: the loop {line!r} is not one command then 'done'")
            body = lines[i + 1].strip()
            for value in loop.group(2).split():
                steps.append((f"{loop.group(1)}={value}; {body}", []))
            i = end + 1
            continue
        if line.startswith("{"):
            if not steps:
                raise Failed(f"README: output {line!r} before any command")
            steps[-1][1].append(line)
        else:
            steps.append((line.strip(), []))
        i += 1
    return steps


def walkthrough(readme):
    """(steps of block 1, steps of block 2, the documented counts line as an ordered dict)."""
    section = section_text(readme)
    blocks = sh_blocks(section)
    if len(blocks) != 2 or "nats-server" not in blocks[0] or "serve --nats" not in blocks[1]:
        raise Failed(f"README section {SECTION!r}: expected two sh blocks, the cluster's (nats-server, "
                     f"publish, workers) then serve --nats's; found {len(blocks)}: update this test with the README")
    for needle in ("4222", "6222", "/tmp/nats", "publish", "worker", "cluster-events", "kill %"):
        if needle not in blocks[0]:
            raise Failed(f"README: the cluster block no longer mentions {needle!r}: update this test")
    if "8490" not in blocks[1] or "/healthz" not in blocks[1]:
        raise Failed("README: the serve block no longer uses port 8490 and /healthz: update this test")
    counts = re.search(r"On SIGTERM a worker prints its counts,\s*`(\{[^`]*\})`", section)
    if not counts:
        raise Failed("README: no example of a worker's counts line ('On SIGTERM a worker prints its counts, `{...}`')")
    example = json.loads(counts.group(1), object_pairs_hook=list)
    return steps_of(blocks[0]), steps_of(blocks[1]), example


def matches(expected, actual):
    """Whether `actual` is `expected` with each "..." standing for any text."""
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


# --------------------------------------------------------------------------------- processes

def free_run(count, taken):
    """The first of `count` consecutive loopback ports free now, below Linux's ephemeral range
    (32768-60999) so that no port-0 bind elsewhere takes them meanwhile."""
    for _ in range(200):
        base = random.randrange(20000, 32000)
        ports = range(base, base + count)
        if any(p in taken for p in ports):
            continue
        socks = []
        try:
            for p in ports:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(s)
                s.bind(("127.0.0.1", p))
            taken.update(ports)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise Failed(f"no {count} consecutive free ports on 127.0.0.1")


def die_with_parent():
    """In the child: SIGKILL when this test dies (prctl PR_SET_PDEATHSIG), however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


class Job:
    def __init__(self, number, command, proc, out, err):
        self.number, self.command, self.proc, self.out, self.err = number, command, proc, out, err

    def stderr(self):
        with open(self.err, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stdout(self):
        with open(self.out, encoding="utf-8", errors="replace") as f:
            return f.read()


class Shell:
    """Runs the README's commands with sh in `cwd`, background ones as numbered jobs."""

    def __init__(self, cwd, env, logs):
        self.cwd, self.env, self.logs = cwd, env, logs
        self.jobs = []
        self.foreground = None

    def start(self, command):
        n = len(self.jobs) + 1
        out, err = (os.path.join(self.logs, f"job{n}.{s}") for s in ("out", "err"))
        with open(out, "wb") as o, open(err, "wb") as e:
            # exec: the job's pid is the program's, as with a shell's `kill %J`
            setting = re.match(r"(\w+=\S*; )?(.*)", command)
            proc = subprocess.Popen(["sh", "-c", f"{setting.group(1) or ''}exec {setting.group(2)}"],
                                    cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=o, stderr=e,
                                    start_new_session=True, preexec_fn=die_with_parent)
        job = Job(n, command, proc, out, err)
        self.jobs.append(job)
        return job

    def run(self, command, timeout=STEP_SECONDS):
        """(status, stdout, stderr) of a foreground command, killed (its whole group) after `timeout`."""
        # A simple command is exec'ed, so that it dies with this test; a pipeline's parts end by themselves.
        script = command if re.search(r"[|;&]", command) else "exec " + command
        self.foreground = subprocess.Popen(["sh", "-c", script], cwd=self.cwd, env=self.env,
                                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True, start_new_session=True,
                                           preexec_fn=die_with_parent)
        try:
            out, err = self.foreground.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.foreground.pid, signal.SIGKILL)
            self.foreground.communicate()
            raise Failed(f"{command}\n  did not finish within {timeout} s")
        finally:
            proc, self.foreground = self.foreground, None
        return proc.returncode, out, err

    def job(self, spec):
        n = int(spec.lstrip("%"))
        if not 1 <= n <= len(self.jobs):
            raise Failed(f"kill {spec}: the walkthrough has {len(self.jobs)} jobs")
        return self.jobs[n - 1]

    def stop(self, job, sig=signal.SIGTERM):
        """Sends `sig` to the job and returns its exit status (negative: the signal that ended it)."""
        if job.proc.poll() is None:
            job.proc.send_signal(sig)
        try:
            return job.proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            raise Failed(f"{job.command}\n  still runs {STOP_SECONDS} s after SIGTERM")

    def kill_all(self):
        procs = [j.proc for j in self.jobs] + ([self.foreground] if self.foreground else [])
        for p in procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for p in procs:
            p.wait()


def tail(text, lines=15):
    return "\n    ".join(text.splitlines()[-lines:])


# ------------------------------------------------------------------------------- the checks

class Walk:
    def __init__(self, shell, dueday, examples, counts_example):
        self.shell = shell
        self.counts_example = counts_example
        commands = os.path.join(examples, "october-2026", "commands.jsonl")
        replay = subprocess.run([dueday, "replay", "--input", commands], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, timeout=STEP_SECONDS)
        if replay.returncode != 0:
            raise Failed(f"dueday replay of {commands} exited {replay.returncode}: {replay.stderr}")
        self.replay_events = len(replay.stdout.splitlines())
        with open(commands, encoding="utf-8") as f:
            self.lines = [json.loads(line) for line in f if line.strip()]
        self.partitions = None  # publish's --partitions
        self.workers = {}  # name -> Job
        self.worker_counts = []
        self.workers_started = None
        self.event_counts = []

    def stored_commands(self, partitions):
        """How many commands publish stores: one per line, a tick once per partition."""
        return sum(partitions if c.get("type") == "tick" else 1 for c in self.lines)

    def step(self, command, expected):
        if command.endswith("&"):
            return self.background(command[:-1].strip())
        assignment = re.fullmatch(r"(\w+)=(\S+)", command)
        if assignment:
            self.shell.env[assignment.group(1)] = assignment.group(2)
            return
        kill = re.fullmatch(r"kill((?: %\d+)+)\s*(#.*)?", command)
        if kill:
            return self.kill(kill.group(1).split())
        if "cluster-events" in command and "wc -l" in command:
            return self.event_count(command)
        status, out, err = self.shell.run(command)
        if status != 0:
            raise Failed(f"{command}\n  exited {status}: {tail(err)}")
        if " publish " in command:
            return self.published(command, err)
        actual = out.splitlines()
        if len(actual) != len(expected) or not all(map(matches, expected, actual)):
            raise Failed(f"{command}\n  answered: {actual}\n  README:   {expected}")
        if "/v1/commands" in command:
            self.partitions_by_hand(expected)

    def background(self, command):
        job = self.shell.start(command)
        if " worker " in command:
            name = re.search(r"--name (\S+)", command)
            if not name:
                raise Failed(f"{command}\n  has no --name: its counts cannot be told apart")
            self.workers[name.group(1)] = job
            self.workers_started = time.monotonic()
        elif " serve " in command:
            self.wait_serving(job)

    def wait_serving(self, job):
        """Until serve says where it serves (a person would see that line before typing curl)."""
        give_up = time.monotonic() + STEP_SECONDS
        while time.monotonic() < give_up:
            text = job.stderr()
            if "\n" in text:
                line = text.split("\n", 1)[0]
                if not line.startswith("dueday: serving 127.0.0.1:"):
                    raise Failed(f"{job.command}\n  said: {line}")
                return
            if job.proc.poll() is not None:
                raise Failed(f"{job.command}\n  exited {job.proc.returncode} without serving: {tail(text)}")
            time.sleep(0.05)
        raise Failed(f"{job.command}\n  did not say where it serves within {STEP_SECONDS} s")

    def published(self, command, err):
        partitions = re.search(r"--partitions (\d+)", command)
        if not partitions:
            raise Failed(f"{command}\n  has no --partitions")
        p = self.partitions = int(partitions.group(1))
        want = f"dueday: published {self.stored_commands(p)} commands (0 duplicates dropped) to {p} partitions"
        if want not in err.splitlines():
            raise Failed(f"{command}\n  said: {tail(err)}\n  expected: {want}")

    def event_count(self, command):
        """Runs the count until it is the replay's (the workers apply asynchronously), never above."""
        if not self.workers:
            raise Failed(f"{command}\n  runs before any worker is started")
        give_up = self.workers_started + EVENTS_SECONDS
        seen = []
        while True:
            status, out, err = self.shell.run(command)
            if status != 0 or not out.strip().isdigit():
                raise Failed(f"{command}\n  answered {out!r} (exit {status}): {tail(err)}")
            n = int(out)
            seen.append(n)
            if n == self.replay_events:
                self.event_counts = seen
                return
            if n > self.replay_events:
                raise Failed(f"{command}\n  counts {n} events, more than the {self.replay_events} of a local replay")
            for job in self.workers.values():
                if job.proc.poll() is not None:
                    raise Failed(f"{job.command}\n  exited {job.proc.returncode}: {tail(job.stderr())}")
            if time.monotonic() > give_up:
                raise Failed(f"{command}\n  counts {n} events after {EVENTS_SECONDS} s, not the "
                             f"{self.replay_events} of a local replay (counts seen: {seen[-10:]})")
            time.sleep(0.2)

    def kill(self, specs):
        jobs = [self.shell.job(s) for s in specs]
        for job in jobs:
            if job.proc.poll() is None:
                job.proc.send_signal(signal.SIGTERM)
        for job in jobs:
            name = next((n for n, j in self.workers.items() if j is job), None)
            if name is None:
                raise Failed(f"kill %{job.number} stops {job.command!r}, not a worker")
            status = self.shell.stop(job)
            if status != 0:
                raise Failed(f"kill %{job.number} ({job.command})\n  exited {status}: {tail(job.stderr())}")
            self.check_counts(name, job)

    def check_counts(self, name, job):
        lines = job.stdout().splitlines()
        if len(lines) != 1:
            raise Failed(f"worker {name} printed {len(lines)} lines, not its counts line: {lines}")
        counts = json.loads(lines[0], object_pairs_hook=list)
        keys = [k for k, _ in counts]
        want = [k for k, _ in self.counts_example]
        shaped = (keys == want and counts[0] == ("worker", name) and
                  all(type(v) is int and v >= 0 for _, v in counts[1:]) and
                  json.dumps(dict(counts), separators=(",", ":"), ensure_ascii=False) == lines[0])
        if not shaped:
            raise Failed(f"worker {name}'s counts line: {lines[0]}\n  README's shape: "
                         f"{json.dumps(dict(self.counts_example), separators=(',', ':'), ensure_ascii=False)}")
        self.worker_counts.append(dict(counts))

    def partitions_by_hand(self, expected):
        """The README's partitions of the first commands are those of FNV-1a 64 (case id) mod P."""
        p = re.search(r"--partitions (\d+)", self.serve_command())
        for line in expected:
            answer = json.loads(line)
            if "partition" not in answer:
                continue
            case = self.lines[answer["line"] - 1]["case"]
            if answer["partition"] != fnv1a_64(case) % int(p.group(1)):
                raise Failed(f"README: line {answer['line']} (case {case}) belongs to partition "
                             f"{fnv1a_64(case) % int(p.group(1))}, not {answer['partition']}")

    def serve_command(self):
        serve = [j for j in self.shell.jobs if " serve " in j.command]
        if not serve or "--partitions" not in serve[-1].command:
            raise Failed("README: curl posts commands before a serve --nats --partitions P is started")
        return serve[-1].command


# ------------------------------------------------------------------------------------ main

def find_nats_server():
    given = os.environ.get("DUEDAY_NATS_SERVER")
    if given:
        return given if os.access(given, os.X_OK) else None
    dirs = os.environ.get("PATH", "").split(os.pathsep) + ["/usr/sbin", "/usr/local/sbin"]
    for d in dirs:
        p = os.path.join(d or ".", "nats-server")
        if os.access(p, os.X_OK):
            return p
    return None


def substitute(steps, ports, store):
    def swap(text):
        text = re.sub(r"\b(4222|4223|4224|6222|6223|6224|8490)\b", lambda m: str(ports[int(m.group(1))]), text)
        return text.replace("/tmp/nats", store)
    return [(swap(c), [swap(e) for e in expected]) for c, expected in steps]


def main():
    dueday, readme, repo, work = (os.path.abspath(a) for a in sys.argv[1:5])
    nats_server = find_nats_server()
    if nats_server is None:
        where = "on PATH, /usr/sbin, or $DUEDAY_NATS_SERVER"
        if os.environ.get("DUEDAY_CLUSTER_REQUIRED") is not None or os.environ.get("CI") is not None:
            raise Failed(f"nats-server not found ({where}) although DUEDAY_CLUSTER_REQUIRED or CI is set: "
                         "./build.sh installs Debian's nats-server")
        print(f"SKIPPED: nats-server not found ({where}); apt-get install nats-server, or ./build.sh test, "
              "to run the README's cluster walkthrough")
        return SKIPPED
    cluster_steps, serve_steps, counts_example = walkthrough(readme)

    shutil.rmtree(work, ignore_errors=True)
    for d in ("bin", "build/release", "logs"):
        os.makedirs(os.path.join(work, d))
    os.symlink(os.path.join(repo, "examples"), os.path.join(work, "examples"))
    os.symlink(dueday, os.path.join(work, "build", "release", "dueday"))
    os.symlink(os.path.abspath(nats_server), os.path.join(work, "bin", "nats-server"))
    store = os.path.join(work, "nats")
    taken = set()
    client, route, http = free_run(3, taken), free_run(3, taken), free_run(1, taken)
    ports = {4222 + i: client + i for i in range(3)} | {6222 + i: route + i for i in range(3)} | {8490: http}
    steps = substitute(cluster_steps, ports, store) + substitute(serve_steps, ports, store)

    env = dict(os.environ, PATH=os.path.join(work, "bin") + os.pathsep + os.environ.get("PATH", ""))
    for name in ("N", "NATS_URL"):
        env.pop(name, None)
    shell = Shell(work, env, os.path.join(work, "logs"))
    began = time.monotonic()
    try:
        walk = Walk(shell, dueday, os.path.join(repo, "examples"), counts_example)
        for command, expected in steps:
            walk.step(command, expected)
        if len(walk.worker_counts) != len(walk.workers) or len(walk.workers) < 2:
            raise Failed(f"the walkthrough stops {len(walk.worker_counts)} of its {len(walk.workers)} workers")
        if walk.partitions is None:
            raise Failed("the walkthrough publishes nothing (no dueday publish ... --partitions P)")
        applied = sum(c["commands"] for c in walk.worker_counts)
        stored = walk.stored_commands(walk.partitions)
        if applied < stored:
            raise Failed(f"the workers applied {applied} commands, fewer than the {stored} published")
        serve = next(j for j in shell.jobs if j.command == walk.serve_command())
        status = shell.stop(serve)
        if status != 0:
            raise Failed(f"{serve.command}\n  exited {status} after SIGTERM: {tail(serve.stderr())}")
    except Failed as e:
        shell.kill_all()
        logs = "".join(f"\n  job %{j.number} ({j.command}), exit {j.proc.returncode}:\n    {tail(j.stderr(), 5)}"
                       for j in shell.jobs if " worker " in j.command or " serve " in j.command)
        raise Failed(f"{e}{logs}\n  (all logs in {os.path.join(work, 'logs')})")
    finally:
        shell.kill_all()
        shutil.rmtree(store, ignore_errors=True)
    print(f"README cluster walkthrough: {len(steps)} commands as written; publish stored "
          f"{walk.stored_commands(walk.partitions)} commands; cluster-events | wc -l went {walk.event_counts[0]} -> "
          f"{walk.event_counts[-1]} (= a local replay) in {len(walk.event_counts)} looks; workers' counts "
          f"{[c['commands'] for c in walk.worker_counts]} commands; serve answered as written; "
          f"{time.monotonic() - began:.1f} s")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("README cluster walkthrough: FAILED: terminated"))
    try:
        sys.exit(main())
    except Failed as e:
        print(f"README cluster walkthrough: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
