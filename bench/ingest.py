"""Benchmark of OpenRosa submissions over real HTTP: chips against a bare endpoint.

    .venv/bin/python bench/ingest.py                  # -n 600 per run, 3 rounds of pairs, SQLite and PostgreSQL, 1 and 8 clients
    .venv/bin/python bench/ingest.py -n 2000 --clients 1 8 16 --no-postgres
    .venv/bin/python bench/ingest.py --rounds 1 --profile /tmp/prof --profile-gil   # py-spy raw stacks per run

Both servers run the same way: a separate process serving a Flask app with waitress (8
threads, as ``chips serve``), on loopback, and the same client threads post to both. The
submissions are those the demo makes (``chips.demo``: registrations, ANC visits, visit
requests, home visits, house-condition surveys, in the order the field would send them),
each as ODK Collect sends it: ``multipart/form-data`` with ``xml_submission_file`` and its
photo parts, the ``X-OpenRosa-Version`` header, authenticated as an app user by the
token in the path (``/key/<token>/submission``, as a phone configured from a QR code).
Every photo is made unique, as real ones are.

- **chips**: ``server.app:create_app`` — token looked up in the database, the XML parsed,
  stored raw, attachments written (fsynced, content-addressed), projected, committed
  (SQLite ``synchronous=FULL`` / PostgreSQL commit) before the 201.
- **bare**: a Flask route that checks the token against its SHA-256 held in memory (no
  database), reads the same multipart parts and writes them to one new file, fsynced
  with its folder, before the 201 — the least a durable endpoint can do.

Prints submissions per second for each and the ratio (target: chips ≤ 2× the bare time),
each server's CPU per submission, and that CPU split by thread (request threads, waitress's
I/O loop, chips's group-commit writer), so the request path and the writer can be told apart.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import statistics
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TOKEN = "benchtoken" + "x" * 54
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
OK = (
    '<OpenRosaResponse xmlns="http://openrosa.org/http/response" items="0">'
    '<message nature="">full submission upload was successful!</message></OpenRosaResponse>'
)


# --- the two servers (run in a child process: ``bench/ingest.py serve …``) ----------------------


def bare_app(out_dir: Path):
    from flask import Flask, Response, request

    app = Flask("bare")
    expected = hashlib.sha256(TOKEN.encode()).hexdigest()

    @app.post("/key/<token>/submission")
    def submission(token: str):
        if hashlib.sha256(token.encode()).hexdigest() != expected:
            return Response("bad token", status=403)
        parts = [request.files["xml_submission_file"].read()]
        for name, storage in request.files.items(multi=True):
            if name != "xml_submission_file":
                parts.append(storage.read())
        path = out_dir / f"{uuid.uuid4().hex}.body"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            for part in parts:
                os.write(fd, part)
            os.fsync(fd)
        finally:
            os.close(fd)
        dir_fd = os.open(out_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        resp = Response(OK, status=201, content_type="text/xml; charset=utf-8")
        resp.headers["X-OpenRosa-Version"] = "1.0"
        return resp

    return app


def chips_app(instance: Path, db_url: str):
    from chips.settings import load_settings
    from server.app import create_app

    settings = load_settings(environ={}, instance_dir=instance, database_url=db_url)
    return create_app(settings)


def serve(kind: str, port: int, instance: Path, db_url: str | None, threads: int) -> None:
    import logging

    import waitress

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" notes
    app = bare_app(instance) if kind == "bare" else chips_app(instance, db_url or "")
    signal.signal(signal.SIGUSR1, lambda *_: name_threads(instance))
    print("ready", flush=True)
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, ident=kind, _quiet=True)


def name_threads(instance: Path) -> None:
    """Write which thread is which (native id → name) for the driver, which reads each
    thread's CPU time from /proc: Python 3.11 does not name the OS threads."""
    import json

    names = {t.native_id: t.name for t in threading.enumerate()}
    (instance / "threads.json").write_text(json.dumps(names))


# --- the driver ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_store(instance: Path, db_url: str) -> None:
    """Migrate, publish the forms, and make the app user whose token the clients send."""
    from chips import formdefs
    from chips.db.engine import dispose_engine
    from chips.db.migrate import upgrade
    from chips.db.schema import users
    from chips.settings import load_settings
    from server.auth import add_user, token_hash
    from tests.fakes.xforms import built_forms

    settings = load_settings(environ={}, instance_dir=instance, database_url=db_url)
    engine = upgrade(settings)
    with engine.begin() as conn:
        formdefs.publish(conn, list(built_forms().values()))
        add_user(conn, "petugas", "team", None)
        conn.execute(users.update().where(users.c.name == "petugas").values(token_hash=token_hash(TOKEN)))
    dispose_engine(settings)


def submissions(n: int) -> list[tuple[str, bytes, list[tuple[str, bytes]]]]:
    """The first ``n`` demo submissions (plus a few for warming up), each photo made unique."""
    from datetime import datetime

    from chips import formdefs
    from chips.demo.generate import DEFAULT_SEED, WIB, generate
    from chips.demo.submissions import FormTemplate, placeholder_photo, programme_submissions
    from tests.fakes.xforms import built_forms

    templates = {fd.form_id: FormTemplate.from_xform(fd.xml)
                 for fd in (formdefs.parse_xform(x) for x in built_forms().values())}
    programme = generate(DEFAULT_SEED, datetime(2026, 11, 1, 9, 0, tzinfo=WIB))
    photo = placeholder_photo()
    every = list(programme_submissions(programme, templates))
    # evenly spread over the year, so each form comes in its share (registrations first
    # would make the first hundreds all of one form); in the field's order
    picked = [every[i * len(every) // n] for i in range(n)] if n < len(every) else every
    return [(item.form_id, item.xml,
             [(name, photo + item.instance_id.encode() + name.encode()) for name in item.photos])
            for item in picked]


def start_server(kind: str, instance: Path, db_url: str | None, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, str(Path(__file__).resolve()), "serve", kind, str(port), str(instance),
           db_url or "-", str(threads)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=REPO, text=True)
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise SystemExit(f"the {kind} server did not start")
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):  # waitress binds after the app is built
        try:
            requests.head(base, timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    return proc, base


def post_all(base: str, subs: list, clients: int) -> tuple[float, dict[int, int]]:
    url = f"{base}/key/{TOKEN}/submission"
    local = threading.local()
    codes: dict[int, int] = {}
    lock = threading.Lock()

    def post(item) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        _form, xml, files = item
        parts = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
        parts += [(name, (name, data, "image/png")) for name, data in files]
        resp = session.post(url, files=parts, headers={"X-OpenRosa-Version": "1.0"}, timeout=120)
        with lock:
            codes[resp.status_code] = codes.get(resp.status_code, 0) + 1

    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(post, subs))
    return time.perf_counter() - t, codes


def pg_database(name: str, drop_only: bool = False) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), to tell a server that
    computes from one that waits."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_profiler(pid: int, out: Path, gil: bool) -> subprocess.Popen:
    """py-spy sampling the server from outside (raw stacks, one line per stack, with thread
    names), so the profile covers the timed posts only and the server is never paused.
    ``gil``: only stacks holding the interpreter lock, i.e. the Python CPU that the
    request threads and the writer compete for."""
    spy = Path(sys.executable).with_name("py-spy")
    cmd = [str(spy), "record", "-r", "500", "-f", "raw", "-t", "--nonblocking", "-o", str(out), "--pid", str(pid)]
    if gil:
        cmd.append("--gil")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # attached before the first post
    return proc


def stop_profiler(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
    proc.wait(timeout=60)


def thread_group(name: str) -> str:
    if name.startswith("waitress-"):
        return "request"
    return {"MainThread": "io loop", "chips-group-commit": "writer"}.get(name, "other")


def cpu_by_thread(pid: int, instance: Path) -> dict[str, float]:
    """CPU seconds so far of the server's request threads, its waitress I/O loop (the main
    thread) and its writer, asked of the server once its threads are all started."""
    import json

    names_file = instance / "threads.json"
    names_file.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    for _ in range(200):
        if names_file.exists():
            try:
                names = json.loads(names_file.read_text())
                break
            except ValueError:  # being written
                pass
        time.sleep(0.01)
    else:
        return {}
    groups: dict[str, float] = {}
    for tid, name in names.items():
        try:
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        group = thread_group(name)
        groups[group] = groups.get(group, 0.0) + seconds
    return groups


def run_one(kind: str, subs: list, warm: list, clients: int, threads: int, db: str | None,
            profile: Path | None = None, gil: bool = False) -> tuple[float, dict, float, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix=f"chips-bench-{kind}-") as tmp:
        instance = Path(tmp)
        db_url = None
        pg_name = None
        if kind == "chips":
            if db == "postgresql":
                pg_name = f"chips_bench_ingest_{os.getpid()}"
                db_url = pg_database(pg_name)
            else:
                db_url = f"sqlite:///{instance / 'chips.sqlite'}"
            prepare_store(instance, db_url)
        proc, base = start_server(kind, instance, db_url, threads)
        try:
            post_all(base, warm, 1)  # first requests build caches and compile statements
            spy = start_profiler(proc.pid, profile / f"{kind}-{db or 'none'}-{clients}.txt", gil) if profile else None
            by_thread = cpu_by_thread(proc.pid, instance)
            cpu = cpu_seconds(proc.pid)
            seconds, codes = post_all(base, subs, clients)
            cpu = cpu_seconds(proc.pid) - cpu
            by_thread = {k: v - by_thread.get(k, 0.0) for k, v in cpu_by_thread(proc.pid, instance).items()}
            if spy is not None:
                stop_profiler(spy)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if pg_name:
                pg_database(pg_name, drop_only=True)
    return seconds, codes, cpu, by_thread


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        _, _, kind, port, instance, db_url, threads = sys.argv
        serve(kind, int(port), Path(instance), None if db_url == "-" else db_url, int(threads))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=600, help="submissions per run")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8], help="concurrent clients")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads of both servers")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of (bare, chips) pairs per configuration; the ratio is their median")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="sample each server with py-spy during the timed posts; raw "
                             "stacks to DIR/<chips|bare>-<db>-<clients>.txt (py-spy takes CPU of its own: "
                             "compare the profiles, not the timings of such a run)")
    parser.add_argument("--profile-gil", action="store_true",
                        help="with --profile: only the samples that hold the interpreter lock")
    args = parser.parse_args()

    t = time.perf_counter()
    every = submissions(args.n + 20)
    warm, subs = every[:20], every[20:]
    kinds: dict[str, int] = {}
    for form_id, _xml, _files in subs:
        kinds[form_id] = kinds.get(form_id, 0) + 1
    photos = sum(len(f) for _, _, f in subs)
    print(f"{len(subs)} demo submissions ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; "
          f"{photos} photos) made in {time.perf_counter() - t:.1f} s", flush=True)

    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    dbs = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
    # Rounds of pairs: the bare endpoint, then at once chips on one database, so that a
    # slower or faster spell of a shared machine (its disk above all) falls on both halves
    # of a pair. The ratio reported is the median of a configuration's pairs; every pair's
    # ratio is printed beside it, and the figures per second are each server's best run.
    pairs: dict[tuple[str, int], list[tuple[tuple, tuple]]] = {}
    for r in range(1, args.rounds + 1):
        for clients in args.clients:
            for db in dbs:
                bare = run_one("bare", subs, warm, clients, args.threads, None, args.profile, args.profile_gil)
                assert bare[1] == {201: len(subs)}, bare[1]
                ours = run_one("chips", subs, warm, clients, args.threads, db, args.profile, args.profile_gil)
                assert ours[1] == {201: len(subs)}, ours[1]
                print(f"round {r}, {clients} client(s): bare {len(subs) / bare[0]:,.0f}/s, chips on {db} "
                      f"{len(subs) / ours[0]:,.0f}/s = {ours[0] / bare[0]:.2f} x", flush=True)
                pairs.setdefault((db, clients), []).append((bare, ours))

    n = len(subs)
    print(f"\n{n} submissions per run, {args.rounds} round(s) of pairs, waitress {args.threads} threads, "
          f"loopback, {os.cpu_count()} CPUs; ratio = median of the pairs; per second: best run; "
          f"server CPU = the server process's CPU time per submission (best runs)")
    print(f"{'store':<12}{'clients':>8}{'chips/s':>10}{'bare/s':>10}{'ratio':>9}"
          f"{'chips CPU':>12}{'bare CPU':>11}   ratio of each pair")
    split: list[tuple[str, int, dict[str, float]]] = []
    for (db, clients), runs in pairs.items():
        each = [ours[0] / bare[0] for bare, ours in runs]
        bare = min((b for b, _ in runs), key=lambda run: run[0])
        ours = min((o for _, o in runs), key=lambda run: run[0])
        print(f"{db:<12}{clients:>8}{n / ours[0]:>10,.0f}{n / bare[0]:>10,.0f}{statistics.median(each):>8.2f}x"
              f"{ours[2] / n * 1000:>9.2f} ms{bare[2] / n * 1000:>8.2f} ms   "
              + ", ".join(f"{x:.2f}" for x in each))
        split.append((f"chips {db}", clients, ours[3]))
        split.append((f"bare (pair of {db})", clients, bare[3]))
    print("\nserver CPU per submission by thread (from /proc; clock ticks, so ±0.02 ms)")
    groups = ("request", "io loop", "writer", "other")
    print(f"{'server':<26}{'clients':>8}" + "".join(f"{g:>10}" for g in groups))
    for name, clients, by_thread in split:
        print(f"{name:<26}{clients:>8}" + "".join(f"{by_thread.get(g, 0.0) / n * 1000:>7.2f} ms" for g in groups))


if __name__ == "__main__":
    main()
