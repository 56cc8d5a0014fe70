"""A second process writing the store the way Hermes WebUI does, for the monkey test.

    python monkey_writer.py FOLDER SEED STOP_FILE LOG_FILE

Until STOP_FILE exists it renames, pins, archives, adds and deletes sessions at random, each
time writing the session file (2-space indent, temp file and rename) and then the whole
`_index.json` again from every session file, in Hermes' 2-space layout, taking no lock, as
Hermes does. It logs `added ID` and `deleted ID` lines to LOG_FILE (flushed before the change
is made, so the log never misses one), and prints `ops N` when it stops. Standard library only:
it shares nothing with the store it races.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROW_KEYS = ("session_id", "title", "workspace", "model", "model_provider", "message_count",
            "created_at", "updated_at", "last_message_at", "pinned", "archived", "project_id",
            "profile")


def write_atomic(path: Path, data: str) -> None:
    """Hermes' way: `<name>.tmp.<pid>.<tid>`, then rename over the file."""
    tmp = path.with_name(f"{path.name}.tmp.{os.getpid()}.{threading.get_ident()}")
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def session_ids(folder: Path) -> list[str]:
    return sorted(name[:-5] for name in os.listdir(folder)
                  if name.endswith(".json") and not name.startswith("_") and ".tmp." not in name)


def read_session(folder: Path, sid: str) -> dict[str, Any] | None:
    try:
        record = json.loads((folder / f"{sid}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def row_of(record: dict[str, Any]) -> dict[str, Any]:
    row = {key: record.get(key) for key in ROW_KEYS}
    messages = record.get("messages")
    row["message_count"] = len(messages) if isinstance(messages, list) else 0
    row["last_message_at"] = record.get("updated_at")
    return row


def write_index(folder: Path) -> None:
    rows = [row_of(r) for sid in session_ids(folder) if (r := read_session(folder, sid))]
    rows.sort(key=lambda row: -float(row.get("updated_at") or 0))
    write_atomic(folder / "_index.json", json.dumps(rows, indent=2, ensure_ascii=False))


def one_op(folder: Path, rng: random.Random, n: int, log: Any) -> None:
    ids = session_ids(folder)
    op = rng.choice(("rename", "rename", "pin", "archive", "add", "delete")) if ids else "add"
    now = time.time()
    if op == "add":
        sid = f"hx{os.getpid() % 10000:04d}{n:06d}"
        log.write(f"added {sid}\n")
        log.flush()
        record: dict[str, Any] | None = {
            "session_id": sid, "title": f"added by the writer {n}", "workspace": "/w",
            "model": "hermes/model", "created_at": now, "updated_at": now, "pinned": False,
            "archived": False, "messages": [{"role": "user", "content": f"hello {n}"}],
        }
    elif op == "delete":
        sid = rng.choice(ids)
        log.write(f"deleted {sid}\n")
        log.flush()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(folder / f"{sid}.json")
        record = None
    else:
        sid = rng.choice(ids)
        record = read_session(folder, sid)
        if record is None:
            return
        if op == "rename":
            record["title"] = f"writer title {n}"
            record["updated_at"] = now
        elif op == "pin":
            record["pinned"] = not record.get("pinned")
            record["updated_at"] = now
        else:
            record["archived"] = not record.get("archived")
    if record is not None:
        write_atomic(folder / f"{sid}.json", json.dumps(record, indent=2, ensure_ascii=False))
    write_index(folder)


def main(argv: list[str]) -> int:
    folder, seed, stop, log_path = Path(argv[0]), int(argv[1]), Path(argv[2]), Path(argv[3])
    rng = random.Random(seed)
    n = 0
    with open(log_path, "a", encoding="utf-8") as log:
        while not stop.exists():
            n += 1
            one_op(folder, rng, n, log)
            time.sleep(rng.choice((0.005, 0.02, 0.05, 0.1)))
        write_index(folder)  # Hermes' last word: the index of what is there now
    print(f"ops {n}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
