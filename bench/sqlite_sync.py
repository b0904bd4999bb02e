"""What SQLite's `synchronous=FULL` costs a write, against NORMAL, in WAL mode, on this disk.

Each transaction is shaped like a token creation: a token row (~600 bytes), three permission
rows and an audit row, then a commit. With NORMAL, a WAL commit is not synced (a power loss
may take the last commits back; a process crash does not); with FULL, every commit syncs the
WAL first. Latchkey runs FULL, so an acknowledged revocation survives a power loss.

    python3 bench/sqlite_sync.py [transactions]
"""
import os
import sqlite3
import sys
import tempfile
import time

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 2000


def run(mode: str) -> float:
    folder = tempfile.mkdtemp()
    db = sqlite3.connect(os.path.join(folder, "bench.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={mode}")
    db.execute("CREATE TABLE tokens (id TEXT PRIMARY KEY, body TEXT)")
    db.execute("CREATE TABLE permissions (token TEXT, permission TEXT)")
    db.execute("CREATE TABLE audit (id TEXT PRIMARY KEY, body TEXT)")
    started = time.perf_counter()
    for n in range(COUNT):
        db.execute("BEGIN")
        db.execute("INSERT INTO tokens VALUES (?, ?)", (f"t{n}", "x" * 600))
        for p in ("article.find", "article.findOne", "article.create"):
            db.execute("INSERT INTO permissions VALUES (?, ?)", (f"t{n}", p))
        db.execute("INSERT INTO audit VALUES (?, ?)", (f"a{n}", "y" * 300))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return COUNT / elapsed


if __name__ == "__main__":
    for _ in range(2):
        normal, full = run("NORMAL"), run("FULL")
        print(f"NORMAL {normal:,.0f} tx/s · FULL {full:,.0f} tx/s · FULL costs {1000 / full - 1000 / normal:.3f} ms per commit")
