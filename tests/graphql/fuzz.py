#!/usr/bin/env python3
"""A GraphQL fuzz pass: random operations built from the served schema (its introspection),
with random arguments, selections, aliases and variables, plus mangled text, sent to a fresh
Latchkey for a bounded time. No answer may be a 5xx or anything but JSON.

    python3 tests/graphql/fuzz.py --binary target/debug/latchkey [--seconds 20] [--seed N]
"""

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PASSWORD = "correct horse battery staple"
INTROSPECTION = """{ __schema { queryType { name } mutationType { name }
  types { name kind enumValues { name } inputFields { name type { ...T } }
          fields { name args { name type { ...T } } type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, body, bearer=None, content_type="application/json"):
    request = urllib.request.Request(url, data=body.encode(), method="POST",
                                     headers={"Content-Type": content_type})
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Generator:
    def __init__(self, schema, rng):
        self.rng = rng
        self.types = {t["name"]: t for t in schema["types"]}
        self.query = schema["queryType"]["name"]
        self.mutation = schema["mutationType"]["name"]

    @staticmethod
    def named(type_ref):
        while type_ref.get("ofType"):
            type_ref = type_ref["ofType"]
        return type_ref["name"], type_ref["kind"]

    def value(self, type_ref, depth=0):
        rng = self.rng
        if rng.random() < 0.08:  # the wrong kind of value on purpose
            return rng.choice(['"x"', "1", "-7", "true", "null", "[]", "{}", '"lk_' + "a" * 49 + '"'])
        kind = type_ref["kind"]
        if kind == "NON_NULL":
            return self.value(type_ref["ofType"], depth)
        if kind == "LIST":
            return "[" + ", ".join(self.value(type_ref["ofType"], depth + 1) for _ in range(rng.randint(0, 3))) + "]"
        name, kind = type_ref["name"], type_ref["kind"]
        if kind == "ENUM":
            return rng.choice([v["name"] for v in self.types[name]["enumValues"]] + ["NOT_A_VALUE"])
        if kind == "INPUT_OBJECT" and depth < 3:
            fields = self.types[name]["inputFields"]
            chosen = [f for f in fields if f["type"]["kind"] == "NON_NULL" or rng.random() < 0.5]
            return "{" + ", ".join(f'{f["name"]}: {self.value(f["type"], depth + 1)}' for f in chosen) + "}"
        return {
            "Int": str(rng.choice([0, 1, 7, 30, 100, 101, -1, 2**31 - 1])),
            "Boolean": rng.choice(["true", "false"]),
            "UUID": json.dumps(rng.choice(["00000000-0000-0000-0000-000000000000", "not-a-uuid", "01a2356b-ca84-7224-98ad-e1d5a039fe85"])),
            "DateTime": json.dumps(rng.choice(["2030-01-01T00:00:00Z", "2001-01-01T00:00:00Z", "yesterday"])),
        }.get(name, json.dumps(rng.choice(["", "Backend", "x" * 300, "lk_…abcd", "a\u202eb", "%_!", "api-token.find"])))

    def selection(self, type_name, depth):
        rng = self.rng
        fields = self.types[type_name].get("fields") or []
        if not fields:
            return ""
        picked = rng.sample(fields, k=rng.randint(1, min(4, len(fields))))
        parts = []
        for field in picked:
            text = field["name"]
            if rng.random() < 0.2:
                text = f"a{rng.randint(0, 99)}: {text}"
            args = [a for a in field["args"] if a["type"]["kind"] == "NON_NULL" or rng.random() < 0.4]
            if args:
                text += "(" + ", ".join(f'{a["name"]}: {self.value(a["type"])}' for a in args) + ")"
            name, kind = self.named(field["type"])
            if kind == "OBJECT":
                text += " { " + (self.selection(name, depth + 1) if depth < 4 else "__typename") + " }"
            parts.append(text)
        return " ".join(parts)

    def operation(self):
        rng = self.rng
        if rng.random() < 0.1:
            return rng.choice(["{", "query {", "mutation { deleteApiToken }", "{ __typename " * 3, "", "subscription { x }",
                               "query Q($a: Int) { apiTokens(first: $a) { totalCount } }"])
        root = self.mutation if rng.random() < 0.4 else self.query
        keyword = "mutation" if root == self.mutation else "query"
        return f"{keyword} {{ {self.selection(root, 0)} }}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/debug/latchkey")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.binary = os.path.abspath(args.binary)
    folder = tempfile.mkdtemp(prefix="latchkey-graphql-fuzz-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    env["LATCHKEY_BIND"] = f"127.0.0.1:{port}"
    # The fuzzer's guesses must not hold its own address back.
    env["LATCHKEY_THROTTLE_API_AUTH_PER_ADDRESS"] = "1000000000/1s"
    run = lambda *a, stdin=None: subprocess.run([args.binary, *a], cwd=folder, env=env, input=stdin, text=True,
                                                 capture_output=True, check=True)
    run("create-admin", "--email", "ada@example.com", "--name", "Ada", stdin=PASSWORD + "\n")
    run("create-project", "--name", "Acme", "--slug", "acme", "--plan", "professional", "--owner", "ada@example.com")
    server = subprocess.Popen([args.binary, "serve"], cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    failures = []
    sent = 0
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        status, body = post(f"{base}/api/v1/auth/login", json.dumps({"email": "ada@example.com", "password": PASSWORD, "project": "acme"}))
        access = json.loads(body)["token"]
        status, body = post(f"{base}/api/v1/tokens", json.dumps({"name": "Fuzz", "type": "full-access"}), access)
        token = json.loads(body)["token"]
        status, body = post(f"{base}/graphql", json.dumps({"query": INTROSPECTION}), token)
        schema = json.loads(body)["data"]["__schema"]
        generator = Generator(schema, rng)
        deadline = time.time() + args.seconds
        while time.time() < deadline:
            operation = generator.operation()
            bearer = rng.choice([token, token, token, access, None, "lk_" + "b" * 49])
            payload = {"query": operation}
            if rng.random() < 0.2:
                payload["variables"] = rng.choice([{"a": 5}, {"a": "x"}, [], "v", None])
            if rng.random() < 0.1:
                payload["operationName"] = rng.choice(["Q", "", None, 7])
            text = json.dumps(payload)
            if rng.random() < 0.05:
                cut = rng.randint(0, len(text))
                text = text[:cut]
            status, body = post(f"{base}/graphql", text, bearer)
            sent += 1
            try:
                json.loads(body)
                parsed = True
            except ValueError:
                parsed = False
            if status >= 500 or not parsed:
                failures.append((status, text[:300], body[:300]))
                if len(failures) >= 5:
                    break
            if status == 200 and rng.random() < 0.02:
                # A fresh full-access token now and then: the fuzzer deletes and regenerates its own.
                status, body = post(f"{base}/api/v1/tokens", json.dumps({"name": f"Fuzz {sent}", "type": "full-access"}), access)
                if status == 201:
                    token = json.loads(body)["token"]
    finally:
        server.terminate()
        server.wait(timeout=10)
    for status, request, answer in failures:
        print(f"FAIL {status}: {request}\n     → {answer}")
    print(f"GraphQL fuzz (seed {args.seed}): {sent} requests in {args.seconds:.0f} s, {len(failures)} failures")
    return 1 if failures or sent < 50 else 0


if __name__ == "__main__":
    sys.exit(main())
