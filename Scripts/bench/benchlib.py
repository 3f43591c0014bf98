"""What every benchmark script shares: where the repository, the binary, the data and the outputs are,
running a command, a generated pool, a selection with its report, and the peers' reference computations
(an independent numpy facility-location objective; apricot-select in a memory-capped child).

Imported by the scripts beside it (`from benchlib import ...`): Python puts a script's own folder first
on its path. Needs numpy.
"""
import json, os, subprocess, sys, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# WINNOW=path runs another binary (a paired run against an older build).
WINNOW = os.environ.get("WINNOW", os.path.join(ROOT, ".build/release/winnow"))
DATA = os.path.join(ROOT, "bench-data")
OUT = os.path.join(ROOT, "bench-out")


def sh(args, **kw):
    t = time.time()
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{r.stderr[-2000:]}")
    return time.time() - t, r


def pool(name, rows, dim, dtype="float32", files=1, clusters=64):
    d = os.path.join(DATA, name)
    if not os.path.exists(os.path.join(d, "labels.npy")):
        sh([WINNOW, "generate", "--rows", str(rows), "--dim", str(dim), "--dtype", dtype, "--files", str(files),
            "--clusters", str(clusters), "--out", d])
    return os.path.join(d, "pool-*.npy")


def select(glob, out, *extra):
    wall, _ = sh([WINNOW, "select", "--input", glob, "--out", out, *extra])
    rep = json.load(open(os.path.join(out, "report.json")))
    return wall, rep


def load(glob):
    import glob as g
    return np.concatenate([np.load(f).astype(np.float32) for f in sorted(g.glob(glob))])


def fl_objective(X, sel):
    Xn = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-30)
    best = np.zeros(len(X), np.float32)
    for i in range(0, len(sel), 512):
        best = np.maximum(best, ((1 + Xn @ Xn[sel[i:i + 512]].T) / 2).max(1))
    return float(best.sum(dtype=np.float64))


def apricot_run(path, k, conn_file):
    # Runs in a child with an address-space cap so that running out of memory is a result, not a crash.
    code = f"""
import json, resource, time, numpy as np
resource.setrlimit(resource.RLIMIT_AS, ({22 << 30}, {22 << 30}))
out = {{}}
try:
    from apricot import FacilityLocationSelection
    X = np.load({path!r}).astype(np.float32)
    t = time.time()
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    # The same similarity as Winnow's default, shifted cosine, built in place: every extra N × N
    # temporary costs the peer seconds of first-touch memory on this machine kind.
    S = X @ X.T
    S += 1
    S *= 0.5
    t1 = time.time()
    sel = FacilityLocationSelection({k}, metric='precomputed', optimizer='lazy').fit(S)
    out = dict(ok=True, similarity_s=t1 - t, fit_s=time.time() - t1, ranking=[int(i) for i in sel.ranking])
except MemoryError as e:
    out = dict(ok=False, error='MemoryError under a 22 GiB address-space cap: ' + str(e)[:200])
except Exception as e:
    out = dict(ok=False, error=type(e).__name__ + ': ' + str(e)[:300])
json.dump(out, open({conn_file!r}, 'w'))
"""
    if os.path.exists(conn_file):
        os.remove(conn_file)          # a result left by an earlier run must not stand for this one
    t = time.time()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = time.time() - t
    try:
        out = json.load(open(conn_file))
    except Exception:
        last = (r.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1][:300]
        out = {"ok": False, "error": f"apricot process died without a result (exit {r.returncode}): {last}"}
    out["wall_s"] = wall
    return out

