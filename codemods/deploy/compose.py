"""docker compose: a literal in a service's ``environment`` (or ``build.args``) becomes
``${VAR:?set VAR}``, so compose takes it from the shell or an uncommitted ``.env`` and stops with a
clear message when it is missing; the variable is listed in a generated ``.env.example`` next to the
compose file with the command that reads it from Secrets Manager. Compose has no reference to
Secrets Manager of its own: in production, ECS ``secrets`` or the application read the secret.
"""
from __future__ import annotations

import posixpath
import re
import shlex
from typing import Dict, List, Optional, Sequence, Tuple

from ..targets import RewriteTarget
from .base import APPLIED, SKIPPED, UNSAFE, Edit, FileRewrite, Options, Outcome, find_part, offset_of, value_matches
from .spans import N, apply_checked, parse_or_skip, scalar_at
from .textedit import quoted

NOTE = ("the literal is now ${{{var}:?set {var}}}: compose reads it from the shell or an uncommitted .env and stops "
        "when it is missing; {example} lists it with the command that reads it from Secrets Manager")
EXAMPLE_HEAD = ("# Variables the compose file needs. secretshift moved their values to AWS Secrets Manager:\n"
                "# put them in an uncommitted .env (or export them) before `docker compose up`.\n")


# JSON keys that hold a whole connection string: a password found inside one (postgresql://u:pw@db/app)
# is moved with the string it belongs to, ``DATABASE_URL: ${DATABASE_URL:?...}``
WHOLE_KEYS = frozenset({"url", "dsn", "uri", "connection_string"})


PLANNING = "secretshift/planned-"  # the ids plan-time decisions use (the JSON key is not known yet)


def _password_of_url(value: str, t: RewriteTarget) -> bool:
    from ..literals import url_password_span

    span = url_password_span(value.strip())
    return span is not None and value_matches(value.strip()[span[0]:span[1]], t)


def reference(var: str) -> str:
    return f"${{{var}:?set {var}}}"


def fetch_command(secret_id: str, json_key: Optional[str]) -> str:
    """The shell pipeline printing one value of a secret (aws CLI v2, jq for a JSON key)."""
    base = (f"aws secretsmanager get-secret-value --secret-id {shlex.quote(secret_id)} "
            "--query SecretString --output text")
    if not json_key:
        return base
    path = f".{json_key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", json_key) else f'.["{json_key}"]'
    return f"{base} | jq -er {shlex.quote(path)}"


def env_example(existing: Optional[str], entries: Sequence[Tuple[str, str, Optional[str]]],
                head: str = EXAMPLE_HEAD) -> Optional[str]:
    """``.env.example`` with ``entries`` (var, secret, key) added when missing (a new file starts with
    ``head``): the command that reads each one, above the file's own line for a variable it already
    lists (that line kept as it is), else with an empty definition at the end; None when nothing changes."""
    text = existing if existing is not None else head
    eol = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    defined = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
    at: dict = {}
    for i, line in enumerate(lines):
        m = defined.match(line)
        if m:
            at.setdefault(m.group(1), i)
    told = set(re.findall(r"^#\s*([A-Za-z_][A-Za-z0-9_]*): secret \S+(?: key .+)?; read it with", text, re.M))
    before: dict = {}  # line index -> the comment to insert above it
    add = []
    for var, sid, key in entries:
        if var in told:
            continue
        told.add(var)
        note = f"# {var}: secret {sid}{' key ' + key if key else ''}; read it with{eol}#   {var}=\"$({fetch_command(sid, key)})\"{eol}"
        if var in at:
            before[at[var]] = before.get(at[var], "") + note
        else:
            add.append(f"{note}{var}={eol}")
    if not add and not before:
        return None
    out = "".join(before.get(i, "") + line for i, line in enumerate(lines))
    if out and not out.endswith("\n"):
        out += eol
    return out + "".join(add)


def _env_block(node: N) -> Optional[Tuple[str, N]]:
    """(variable, the scalar to edit) when ``node`` is a value of a service's environment/build args."""
    parent = node.parent
    if parent is None:
        return None
    if parent.kind == "map" and node.key is not None and parent.key is not None \
            and parent.key.value in ("environment", "args"):
        return node.key.value, node
    if parent.kind == "seq" and parent.key is not None and parent.key.value in ("environment", "args") \
            and "=" in (node.value or ""):
        return node.value.split("=", 1)[0].strip(), node
    return None


def rewrite(text: str, path: str, targets: Sequence[RewriteTarget], options: Options) -> FileRewrite:
    rw = FileRewrite(path, text, text, "compose")
    docs = parse_or_skip(text, path, targets, rw)
    if docs is None:
        return rw
    edits: List[Edit] = []
    entries: List[Tuple[str, str, Optional[str]]] = []
    example = posixpath.join(posixpath.dirname(path), ".env.example")
    seen: Dict[Tuple[int, int], bool] = {}
    sources: Dict[str, Tuple[str, Optional[str]]] = {}  # variable -> (secret, key) it is given
    for t in targets:
        off = offset_of(text, t.line, t.column)
        node = next((scalar_at(d, off) for d in docs if off is not None and d.start <= off <= d.end), None)
        found = _env_block(node) if node is not None else None
        if found is None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: not a service environment value"))
            continue
        var, sc = found
        value = sc.value if sc.parent.kind == "map" else sc.value.split("=", 1)[1]
        whole_url = _password_of_url(value, t) and (t.json_key in WHOLE_KEYS or t.secret_id.startswith(PLANNING))
        if not value_matches(value, t) and not value_matches(value.strip(), t) and not whole_url:
            if find_part(value, t) is not None:  # ADO.NET: Server=db;User=sa;Password=<the secret>;...
                why = ("the secret is one part of this value (a connection string); compose cannot splice it "
                       "in: inject the whole value at deploy time (an env_file written from the secret)")
            else:
                why = "value does not match (changed or already migrated)"
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: {why}"))
            continue
        source = (t.secret_id, t.json_key)
        if var in sources and sources[var] != source:
            # two services give the variable different values: one ${VAR} in .env cannot hold both
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: another service's {var} holds a different "
                                                           "value: one variable cannot hold both; rename one by hand"))
            continue
        sources[var] = source
        rw.secrets_seen.append(value)
        if (sc.start, sc.end) not in seen:
            seen[(sc.start, sc.end)] = True
            ref = reference(var)
            new = ref if sc.parent.kind == "map" else f"{sc.value.split('=', 1)[0]}={ref}"
            style = sc.style if sc.style in ("'", '"') else ""
            edits.append(Edit(sc.start, sc.end, quoted(new, style, False)))
        entries.append((var, t.secret_id, t.json_key))
        rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE.format(var=var, example=example)))
    if not edits:
        return rw
    if not apply_checked(rw, text, edits, path):
        return rw
    ex = env_example(options.read(example), entries)
    if ex is not None:
        rw.extra_files[example] = ex
    return rw.finish()


__all__ = ["rewrite", "reference", "env_example", "fetch_command"]
