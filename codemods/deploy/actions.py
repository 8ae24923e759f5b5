"""GitHub Actions workflows: a literal ``env`` entry (workflow, job or step) or step input is replaced
by an ``aws-actions/aws-secretsmanager-get-secrets`` step that sets the variable (masked in logs) for
the job's later steps, after ``aws-actions/configure-aws-credentials`` with OIDC (no stored key: a
role from the repository variable ``AWS_ROLE_ARN``), and the job gets ``permissions: id-token:
write`` (with ``contents: read``, or the workflow's own permissions, which a job-level block
replaces).

With ``parse-json-secrets`` the action names a JSON key's variable ``ALIAS_KEY``: a variable that
already ends in ``_KEY`` uses its prefix as alias; any other gets its value from a short ``run``
step (the value is masked by then).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from ..targets import RewriteTarget
from .base import (APPLIED, SKIPPED, UNSAFE, Edit, FileRewrite, Options, Outcome, env_name, ident, offset_of,
                   value_matches)
from .spans import N, apply_checked, indent_unit, line_start, parse_or_skip, scalar_at
from .textedit import remove_entry

CONFIGURE = "aws-actions/configure-aws-credentials@v4"
GET_SECRETS = "aws-actions/aws-secretsmanager-get-secrets@v2"
ROLE = "${{ vars.AWS_ROLE_ARN }}"
NOTE = ("the literal is gone: an {action} step sets {var} (masked in logs) from secret {secret} after OIDC "
        "credentials (set the repository variable AWS_ROLE_ARN to a role GitHub's OIDC provider may assume, allowed "
        "secretsmanager:GetSecretValue on the secret)")


def _alias(var: str, json_key: Optional[str], secret_id: str) -> Tuple[str, Optional[str]]:
    """(alias for secret-ids, variable the action sets) ; the second differs from ``var`` when a
    mapping step is needed."""
    if not json_key:
        return var, var
    k = env_name(json_key)
    if var.endswith("_" + k) and len(var) > len(k) + 1:
        return var[: -len(k) - 1], var
    alias = "SECRETSHIFT_" + env_name(ident(secret_id))
    return alias, f"{alias}_{k}"


def _job_of(node: N) -> Optional[Tuple[str, N]]:
    p = node.path()
    if len(p) >= 2 and p[0] == "jobs":
        jobs = _root(node).get("jobs")
        job = jobs.get(p[1]) if jobs is not None and jobs.kind == "map" else None
        return (p[1], job) if job is not None and job.kind == "map" else None
    return None


def _root(node: N) -> N:
    while node.parent is not None:
        node = node.parent
    return node


def _step_block(text: str, steps: N, unit: int) -> Tuple[int, str, str]:
    """(insert offset, indentation of '-', indentation of a step's keys) before the first step."""
    first = steps.items[0]
    dash = text.rfind("-", line_start(text, first.start), first.start)
    ind = text[line_start(text, first.start):dash]
    return line_start(text, first.start), ind, ind + " " * (first.start - dash)


def _new_steps(ids: List[str], maps: List[Tuple[str, str]], need_configure: bool, region: str, dash: str,
               key: str, unit: int) -> str:
    i = " " * unit
    out = []
    if need_configure:
        out += [f"{dash}- name: Configure AWS credentials (OIDC)", f"{key}uses: {CONFIGURE}", f"{key}with:",
                f"{key}{i}role-to-assume: {ROLE}", f"{key}{i}aws-region: {region}"]
    out += [f"{dash}- name: Read secrets from AWS Secrets Manager", f"{key}uses: {GET_SECRETS}", f"{key}with:",
            f"{key}{i}secret-ids: |"] + [f"{key}{i}{i}{x}" for x in dict.fromkeys(ids)] + \
        [f"{key}{i}parse-json-secrets: true"]
    if maps:
        out += [f"{dash}- name: Name the secrets' variables", f"{key}run: |"]
        out += [f'{key}{i}echo "{var}=${{{src}}}" >> "$GITHUB_ENV"' for var, src in dict.fromkeys(maps)]
    return "\n".join(out) + "\n"


def rewrite(text: str, path: str, targets: Sequence[RewriteTarget], options: Options) -> FileRewrite:
    rw = FileRewrite(path, text, text, "github-actions")
    docs = parse_or_skip(text, path, targets, rw)
    if docs is None:
        return rw
    root = docs[0] if docs else None
    unit = indent_unit(text)
    edits: List[Edit] = []
    per_job: Dict[str, dict] = {}
    env_removals: Dict[int, Tuple[N, List[N]]] = {}
    for t in targets:
        off = offset_of(text, t.line, t.column)
        node = scalar_at(root, off) if root is not None and off is not None else None
        if node is None or node.key is None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: no value at this position"))
            continue
        if not value_matches(node.value, t):
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: value does not match"))
            continue
        p = node.path()
        where = p[-2] if len(p) >= 2 else ""
        jobs: List[Tuple[str, N]] = []
        if p[:1] == ["env"] and len(p) == 2:
            js = root.get("jobs")
            jobs = [(k.value, v) for k, v in js.entries if v.kind == "map"] if js is not None and js.kind == "map" else []
        elif where in ("env", "with") and (len(p) == 4 or (len(p) == 6 and p[2] == "steps")):
            j = _job_of(node)
            jobs = [j] if j else []
        if not jobs or any(j.get("steps") is None or j.get("steps").kind != "seq" or not j.get("steps").items
                           or j.get("steps").flow for _, j in jobs):
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: not an env entry or step input of a job "
                                                         "with steps (container and service credentials: by hand)"))
            continue
        rw.secrets_seen.append(node.value)
        var = node.key.value if where == "env" else env_name(node.key.value)
        alias, produced = _alias(var, t.json_key, t.secret_id)
        for name, job in jobs:
            info = per_job.setdefault(name, {"job": job, "ids": [], "maps": []})
            info["ids"].append(f"{alias},{t.secret_id}")
            if produced != var:
                info["maps"].append((var, produced))
        if where == "env":
            env = node.parent
            env_removals.setdefault(id(env), (env, []))[1].append(node.key)
        else:
            edits.append(Edit(node.start, node.end, "${{ env.%s }}" % var))
        rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE.format(action=GET_SECRETS, var=var, secret=t.secret_id)))
    for env, keys in env_removals.values():
        uniq = list({id(k): k for k in keys}.values())
        if len(uniq) == len(env.entries) and env.key is not None and env.parent is not None and not env.parent.flow:
            e = remove_entry(text, env.parent, env.key)  # the whole env: block goes
        else:
            e = [x for k in uniq for x in (remove_entry(text, env, k) or [])]
        if e:
            edits.extend(e)
    region = options.region_or()
    wf_perms = root.get("permissions") if root is not None else None
    for name, info in per_job.items():
        job: N = info["job"]
        steps = job.get("steps")
        at, dash, key = _step_block(text, steps, unit)
        has_configure = any(s.kind == "map" and (s.text_of("uses") or "").startswith("aws-actions/configure-aws-credentials")
                            for s in steps.items)
        block = _new_steps(info["ids"], info["maps"], not has_configure, region, dash, key, unit)
        if has_configure:
            cfg = next(s for s in steps.items if s.kind == "map" and
                       (s.text_of("uses") or "").startswith("aws-actions/configure-aws-credentials"))
            nxt = text.find("\n", cfg.end)
            at = len(text) if nxt < 0 else nxt + 1
        edits.append(Edit(at, at, block))
        edits.extend(_permissions(text, job, wf_perms, unit))
    if not edits:
        return rw
    if not apply_checked(rw, text, edits, path):
        return rw
    return rw.finish()


def _permissions(text: str, job: N, wf_perms: Optional[N], unit: int) -> List[Edit]:
    perms = job.get("permissions")
    if perms is not None:
        if perms.kind == "map" and not perms.flow:
            if perms.get("id-token") is not None:
                idt = perms.get("id-token")
                return [] if idt.value == "write" else [Edit(idt.start, idt.end, "write")]
            k0 = perms.entries[0][0] if perms.entries else None
            if k0 is None:
                return []
            ls = line_start(text, k0.start)
            return [Edit(ls, ls, text[ls:k0.start] + "id-token: write\n")]
        return []  # read-all/write-all or flow style: left alone
    first_key = job.entries[0][0]
    ls = line_start(text, first_key.start)
    ind = text[ls:first_key.start]
    i = " " * unit
    entries = [("id-token", "write")]
    if wf_perms is not None and wf_perms.kind == "map":
        entries += [(k.value, v.value) for k, v in wf_perms.entries if v.kind == "scalar" and k.value != "id-token"]
    else:
        entries.append(("contents", "read"))
    body = f"{ind}permissions:\n" + "".join(f"{ind}{i}{k}: {v}\n" for k, v in entries)
    # after runs-on when there is one, else first
    ro = next((k for k, _ in job.entries if k.value == "runs-on"), None)
    if ro is not None:
        v = job.get("runs-on")
        nxt = text.find("\n", v.end)
        at = len(text) if nxt < 0 else nxt + 1
        return [Edit(at, at, body)]
    return [Edit(ls, ls, body)]


__all__ = ["rewrite"]
