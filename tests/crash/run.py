#!/usr/bin/env python3
"""Crash drill: `kill -9` a loaded Latchkey on SQLite at random moments, restart it, and check
that nothing acknowledged was lost.

Each round starts `latchkey serve`, runs create / revoke / regenerate clients against the
management API for a random while, and kills the server with SIGKILL in the middle of it.
Before the next start, `PRAGMA integrity_check` must say `ok`; after it, every revocation
the server acknowledged must still hold (the secret is refused), and every secret it handed
out and did not replace or revoke must still verify. Requests in flight at the kill have no
known outcome and are not judged.

    python3 tests/crash/run.py --binary target/debug/latchkey [--rounds 20] [--seed N]
"""

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

PASSWORD = "crash drill tangerine orbit"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, bearer=None, timeout=5):
    """(status, parsed body or None); raises OSError when the connection fails."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if bearer:
        request.add_header("authorization", "Bearer " + bearer)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw) if raw else None
        except ValueError:
            return error.code, None


class Ledger:
    """What the server acknowledged, by token id."""

    def __init__(self):
        self.lock = threading.Lock()
        self.live = {}  # id -> (the secret last handed out for it, the worker that owns it)
        self.revoked = {}  # id -> secrets that must be refused
        self.acknowledged = 0

    def created(self, token_id, secret, owner):
        with self.lock:
            self.live[token_id] = (secret, owner)
            self.acknowledged += 1

    def regenerated(self, token_id, old, new, owner):
        with self.lock:
            self.live[token_id] = (new, owner)
            self.revoked.setdefault(token_id, set()).add(old)
            self.acknowledged += 1

    def revoked_ack(self, token_id, secret):
        with self.lock:
            self.live.pop(token_id, None)
            self.revoked.setdefault(token_id, set()).add(secret)
            self.acknowledged += 1

    def unknown(self, token_id):
        """The last change has no known outcome: its secret is judged no more."""
        with self.lock:
            self.live.pop(token_id, None)

    def pick_live(self, rng, owner):
        """One of `owner`'s live tokens: each worker changes only its own, so that no two
        changes to one token race and every acknowledgement has one meaning."""
        with self.lock:
            choices = [(i, s) for i, (s, o) in self.live.items() if o == owner]
        return rng.choice(choices) if choices else None


def start_server(binary, work, env):
    port = free_port()
    log = open(os.path.join(work, "server.log"), "ab")
    process = subprocess.Popen(
        [binary, "serve"],
        cwd=work,
        env={**env, "LATCHKEY_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if call(base, "GET", "/readyz", timeout=1)[0] == 200:
                return process, base
        except OSError:
            pass
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode} at start; see {work}/server.log")
        time.sleep(0.05)
    sys.exit("the server did not become ready")


def login(base):
    status, body = call(
        base,
        "POST",
        "/api/v1/auth/login",
        {"email": "crash@example.com", "password": PASSWORD, "project": "crash"},
    )
    if status != 200:
        sys.exit(f"login failed: {status} {body}")
    return body["token"]


def worker(base, bearer, ledger, rng, stop, prefix, owner):
    n = 0
    while not stop.is_set():
        n += 1
        action = rng.choice(["create", "create", "revoke", "regenerate"])
        target = None if action == "create" else ledger.pick_live(rng, owner)
        try:
            if target is None:
                status, body = call(base, "POST", "/api/v1/tokens", {"name": f"{prefix}-{n}"}, bearer)
                if status == 201:
                    ledger.created(body["id"], body["token"], owner)
                continue
            token_id, secret = target
            if action == "revoke":
                method, path, acknowledged = "DELETE", f"/api/v1/tokens/{token_id}", 204
            else:
                method, path, acknowledged = "POST", f"/api/v1/tokens/{token_id}/regenerate", 200
            try:
                status, body = call(base, method, path, None, bearer)
            except OSError:
                ledger.unknown(token_id)  # sent, and the server died: either outcome
                raise
            if status >= 500:
                ledger.unknown(token_id)
            elif status == acknowledged and action == "revoke":
                ledger.revoked_ack(token_id, secret)
            elif status == acknowledged:
                ledger.regenerated(token_id, secret, body["token"], owner)
        except OSError:
            return  # the server is gone


def check_integrity(database):
    connection = sqlite3.connect(database)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()
    if result != [("ok",)]:
        sys.exit(f"integrity_check: {result}")


def check_ledger(base, ledger):
    """Every acknowledged revocation holds; every live secret verifies."""
    with ledger.lock:
        live = [(i, s) for i, (s, _) in ledger.live.items()]
        revoked = [(i, s) for i, secrets in ledger.revoked.items() for s in secrets]
    for token_id, secret in revoked:
        status, body = call(base, "POST", "/api/v1/verify", {"token": secret})
        if status == 200:
            sys.exit(f"a revoked or replaced secret of {token_id} verifies again: {body}")
        if status != 401:
            sys.exit(f"verify of a revoked secret of {token_id} answered {status}: {body}")
    for token_id, secret in live:
        status, body = call(base, "POST", "/api/v1/verify", {"token": secret})
        if status != 200:
            sys.exit(f"the acknowledged secret of {token_id} no longer verifies: {status} {body}")
    return len(live), len(revoked)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/debug/latchkey")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    binary = os.path.realpath(args.binary)
    rng = random.Random(args.seed)
    print(f"crash drill: {args.rounds} rounds, seed {args.seed}")

    work = tempfile.mkdtemp(prefix="latchkey-crash-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    env.update(
        {
            "LATCHKEY_LOG": "warn",
            # Revoked secrets are verified on purpose, many times: not a guessing attack.
            "LATCHKEY_THROTTLE_VERIFY_PER_SOURCE": "1000000/1m",
        }
    )
    admin = subprocess.run(
        [binary, "create-admin", "--email", "crash@example.com", "--name", "Crash"],
        cwd=work, env=env, input=PASSWORD + "\n", capture_output=True, text=True,
    )
    if admin.returncode != 0:
        sys.exit(admin.stderr)
    project = subprocess.run(
        [binary, "create-project", "--name", "Crash", "--slug", "crash",
         "--plan", "professional_unlimited", "--owner", "crash@example.com"],
        cwd=work, env=env, capture_output=True, text=True,
    )
    if project.returncode != 0:
        sys.exit(project.stderr)
    database = os.path.join(work, "data", "latchkey.db")

    ledger = Ledger()
    for round_number in range(1, args.rounds + 1):
        process, base = start_server(binary, work, env)
        live, revoked = check_ledger(base, ledger)
        bearer = login(base)
        stop = threading.Event()
        workers = [
            threading.Thread(
                target=worker,
                args=(base, bearer, ledger, random.Random(rng.random()), stop, f"r{round_number}w{w}", w),
            )
            for w in range(4)
        ]
        for thread in workers:
            thread.start()
        time.sleep(rng.uniform(0.2, 1.2))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        stop.set()
        for thread in workers:
            thread.join()
        check_integrity(database)
        print(
            f"round {round_number}: killed; checked {live} live and {revoked} revoked secrets "
            f"from earlier rounds; {ledger.acknowledged} changes acknowledged so far"
        )

    process, base = start_server(binary, work, env)
    try:
        live, revoked = check_ledger(base, ledger)
    finally:
        process.terminate()
        process.wait()
    print(f"crash drill passed: {live} live and {revoked} revoked secrets hold after {args.rounds} kills")


if __name__ == "__main__":
    main()
