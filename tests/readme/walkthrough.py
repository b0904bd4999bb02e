#!/usr/bin/env python3
"""Runs the README's "First steps" as a reader pastes them, on a fresh folder, and fails when a
command fails or prints something other than what the README says it prints.

The walkthrough is the shell block between `<!-- walkthrough:start -->` and
`<!-- walkthrough:end -->`. Each command runs in one bash session, in order (variables carry
over); a `# → text` line after a command is its expected output: the output must start with
the text before any `…`, and contain each later piece in order. `cargo` lines are skipped (the
binary under test is given), `./target/release/latchkey` is that binary, and the port 8080 is
replaced by a free one.

    python3 tests/readme/walkthrough.py --binary target/debug/latchkey [--readme README.md]
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def steps(readme):
    text = open(readme, encoding="utf-8").read()
    match = re.search(r"<!-- walkthrough:start -->\s*```sh\n(.*?)```\s*<!-- walkthrough:end -->", text, re.S)
    if not match:
        raise SystemExit("the README has no walkthrough block")
    commands, current = [], []
    for line in match.group(1).splitlines():
        if line.startswith("# → "):
            commands[-1][1].append(line[len("# → "):])
        elif line.startswith("#") or not line.strip():
            continue
        else:
            current.append(line)
            if not line.endswith("\\"):
                commands.append(("\n".join(current), []))
                current = []
    return commands


def matches(output, expected):
    pieces = expected.split("…")
    if not output.startswith(pieces[0]):
        return False
    at = len(pieces[0])
    for piece in pieces[1:]:
        found = output.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/debug/latchkey")
    parser.add_argument("--readme", default="README.md")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    port = free_port()
    folder = tempfile.mkdtemp(prefix="latchkey-readme-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
    shell = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=folder, env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    failures = 0
    try:
        for number, (command, expected) in enumerate(steps(args.readme), 1):
            if command.startswith("cargo "):
                print(f"skip {command.splitlines()[0]}")
                continue
            runnable = command.replace("./target/release/latchkey", binary).replace("127.0.0.1:8080", f"127.0.0.1:{port}")
            if "latchkey serve" in command:
                runnable = f"LATCHKEY_BIND=127.0.0.1:{port} {runnable}"
            marker = f"__walkthrough_step_{number}__"
            shell.stdin.write(f"{runnable}\necho; echo {marker} $?\n")
            shell.stdin.flush()
            lines = []
            while True:
                line = shell.stdout.readline()
                if not line:
                    raise SystemExit("the shell ended early")
                if line.startswith(marker):
                    status = int(line.split()[1])
                    break
                lines.append(line)
            output = "".join(lines).strip()
            ok = status == 0 and all(matches(output, e) for e in expected)
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {command.splitlines()[0][:100]}")
            if not ok:
                print(f"     exit {status}; printed:\n{output}\n     expected: {expected}")
    finally:
        # The server the walkthrough started in the background is this shell's job.
        shell.stdin.write("kill $(jobs -p) 2>/dev/null; wait\n")
        shell.stdin.close()
        shell.wait(timeout=30)
    print(f"README walkthrough: {'passed' if not failures else f'{failures} step(s) failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
