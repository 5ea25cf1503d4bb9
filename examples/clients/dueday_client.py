#!/usr/bin/env python3
"""A client of `dueday serve` in Python 3, standard library only (urllib, json): it feeds commands
and follows events with acknowledgements. Copy it into a platform that will not link C++.

  dueday_client.py [--url URL] [--token-file F] feed FILE [--batch N] [--line-ids PREFIX] [--quiet]
  dueday_client.py [--url URL] [--token-file F] follow --consumer NAME [--wait S] [--limit N]
                   [--until-idle] [--max-events N]

--url is the service (default http://127.0.0.1:8490); --token-file holds the bearer token of a
service started with one. Either command retries a service that does not answer (no connection,
a timeout, a 5xx) every half second for --retry-for seconds (default 60), then exits 1; a refusal
(4xx) exits 1 at once with the service's message; bad arguments or a bad FILE exit 2.

feed: posts FILE (JSON Lines, `dueday replay`'s commands) to POST /v1/commands in batches of
--batch lines (default 500) and prints each outcome line as the service answers it, its "line"
the line of FILE, e.g. {"line":977,"id":"oct-977","outcome":"accepted"}; at the end, on stderr:
"fed 977 commands: 975 accepted, 1 rejected, 1 duplicate". Every command needs an "id", which
makes resending safe: a batch left without an answer is sent again whole, and the commands the
service had stored already come back "duplicate", whatever the line says. Lines without one are
refused (exit 2) unless --line-ids PREFIX names them PREFIX<line number>; run the same feed again
after a crash and everything stored before is answered "duplicate". Blank lines are skipped.

follow: reads the events after what consumer NAME acknowledged (POST /v1/consumers/NAME/ack with
seq 0 tells), long-polling GET /v1/events up to --wait seconds (default 30) for --limit events
(default 1000) at a time, prints each event line as the service gives it, then acknowledges the
last one. Within one run every event is printed once, in order, whatever fails in between; an event
printed just before the client itself is stopped may be printed again by the next run (what its
acknowledgement did not reach): key on "seq". Stops after --max-events events, or with
--until-idle when a long poll brings nothing; else runs until interrupted. On stderr at the end:
"followed 1815 events; NAME acknowledged 1815".
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class Refused(Exception):
    """A 4xx answer: the request itself is wrong, sending it again will not help."""


class Unanswered(Exception):
    """The service gave no answer for --retry-for seconds, or one that makes no sense."""


class Service:
    def __init__(self, url, token, retry_for):
        self.url = url.rstrip("/")
        self.token = token
        self.retry_for = retry_for

    def request(self, method, path, body=None, content_type=None, timeout=10.0):
        """The answer's body (bytes) to a request, retried while the service does not answer."""
        give_up = time.monotonic() + self.retry_for
        while True:
            req = urllib.request.Request(self.url + path, data=body, method=method)
            if content_type:
                req.add_header("Content-Type", content_type)
            if self.token:
                req.add_header("Authorization", "Bearer " + self.token)
            try:
                with urllib.request.urlopen(req, timeout=timeout) as res:
                    return res.read()
            except urllib.error.HTTPError as e:
                text = e.read().decode("utf-8", "replace").strip()
                if e.code < 500:
                    try:
                        text = json.loads(text)["error"]
                    except (ValueError, KeyError, TypeError):
                        pass
                    raise Refused(f"{method} {path}: {e.code} {text}") from None
                why = f"{e.code} {text}"
            except (urllib.error.URLError, OSError) as e:  # no connection, reset, timeout
                why = str(getattr(e, "reason", e))
            if time.monotonic() >= give_up:
                raise Unanswered(f"{self.url}: no answer for {self.retry_for:g} s ({why})")
            time.sleep(0.5)


def read_commands(path, line_ids):
    """(line number, id, text) of each command line of the file."""
    commands = []
    with open(path, encoding="utf-8") as f:
        for n, text in enumerate(f, start=1):
            text = text.strip()
            if not text:
                continue
            try:
                command = json.loads(text)
            except ValueError as e:
                raise ValueError(f"{path}:{n}: not JSON ({e})") from None
            if not isinstance(command, dict):
                raise ValueError(f"{path}:{n}: not a JSON object")
            if "id" not in command:
                if line_ids is None:
                    raise ValueError(f"{path}:{n}: no \"id\" (resending needs ids: give each line one, or --line-ids)")
                command = {"id": f"{line_ids}{n}", **command}
                text = json.dumps(command, ensure_ascii=False, separators=(",", ":"))
            commands.append((n, command["id"], text))
    return commands


def feed(service, args):
    commands = read_commands(args.file, args.line_ids)
    counts = {"accepted": 0, "rejected": 0, "duplicate": 0}
    for start in range(0, len(commands), args.batch):
        batch = commands[start:start + args.batch]
        body = "".join(text + "\n" for _, _, text in batch).encode("utf-8")
        # Sent again whole until answered: what was stored before comes back "duplicate".
        answer = service.request("POST", "/v1/commands", body, "application/x-ndjson").decode("utf-8")
        outcomes = [json.loads(line) for line in answer.splitlines()]
        if len(outcomes) != len(batch):
            raise Unanswered(f"{len(outcomes)} outcomes for {len(batch)} commands")
        for (n, ident, _), outcome in zip(batch, outcomes):
            if outcome.get("id") != ident:
                raise Unanswered(f"line {n}: an outcome for id {outcome.get('id')!r}, not {ident!r}")
            counts[outcome["outcome"]] += 1
            if not args.quiet:
                outcome["line"] = n
                print(json.dumps(outcome, ensure_ascii=False, separators=(",", ":")), flush=False)
        sys.stdout.flush()
    print(f"fed {len(commands)} commands: {counts['accepted']} accepted, {counts['rejected']} rejected, "
          f"{counts['duplicate']} duplicate", file=sys.stderr)


def follow(service, args):
    ack = "/v1/consumers/" + urllib.parse.quote(args.consumer, safe="") + "/ack"

    def acknowledge(seq):
        answer = service.request("POST", ack, json.dumps({"seq": seq}).encode(), "application/json")
        return json.loads(answer)["acknowledged"]

    position = acknowledge(0)  # changes nothing; says where this consumer stands
    printed = 0
    while args.max_events is None or printed < args.max_events:
        limit = args.limit if args.max_events is None else min(args.limit, args.max_events - printed)
        query = urllib.parse.urlencode({"after": position, "limit": limit, "wait": args.wait})
        answer = service.request("GET", "/v1/events?" + query, timeout=args.wait + 10).decode("utf-8")
        lines = answer.splitlines()
        if not lines:
            if args.until_idle:
                break
            continue
        for line in lines:
            seq = json.loads(line)["seq"]
            if seq != position + 1:
                raise Unanswered(f"event {seq} after {position}")
            print(line)
            position = seq
            printed += 1
        sys.stdout.flush()
        acknowledge(position)
    print(f"followed {printed} events; {args.consumer} acknowledged {position}", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(prog="dueday_client.py", description="feed dueday serve commands; follow its events")
    p.add_argument("--url", default="http://127.0.0.1:8490", help="the service (default %(default)s)")
    p.add_argument("--token-file", help="a file holding the bearer token")
    p.add_argument("--retry-for", type=float, default=60.0, help="seconds to retry a silent service (default 60)")
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("feed", help="post a JSON Lines file of commands in batches")
    f.add_argument("file")
    f.add_argument("--batch", type=int, default=500, help="lines per request (1 to 10000, default 500)")
    f.add_argument("--line-ids", metavar="PREFIX", help="id PREFIX<line number> for lines without one")
    f.add_argument("--quiet", action="store_true", help="print the counts only")
    w = sub.add_parser("follow", help="print events as they come and acknowledge them")
    w.add_argument("--consumer", required=True, help="the name acknowledgements are kept under")
    w.add_argument("--wait", type=int, default=30, help="seconds a long poll waits (0 to 60, default 30)")
    w.add_argument("--limit", type=int, default=1000, help="events per request (1 to 10000, default 1000)")
    w.add_argument("--until-idle", action="store_true", help="stop when a long poll brings nothing")
    w.add_argument("--max-events", type=int, help="stop after this many events")
    args = p.parse_args()
    if args.command == "feed" and not 1 <= args.batch <= 10000:
        p.error("--batch: expected 1 to 10000")
    if args.command == "follow" and (not 0 <= args.wait <= 60 or not 1 <= args.limit <= 10000):
        p.error("--wait: expected 0 to 60; --limit: 1 to 10000")
    try:
        token = None
        if args.token_file:
            with open(args.token_file, encoding="utf-8") as t:
                token = t.read().rstrip("\r\n")
        service = Service(args.url, token, args.retry_for)
        (feed if args.command == "feed" else follow)(service, args)
    except (Refused, Unanswered) as e:
        print(f"dueday_client: {e}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as e:  # the file or the token file
        print(f"dueday_client: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
