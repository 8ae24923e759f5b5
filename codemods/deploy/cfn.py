"""CloudFormation / SAM templates (YAML with ``!Ref``-style tags, or JSON).

Where a literal sits decides what it becomes:

- a resource property: ``'{{resolve:secretsmanager:NAME:SecretString:KEY}}'`` (unversioned, so a
  stack update picks up a rotated value); inside a longer string only the secret part is replaced;
- an RDS ``MasterUserPassword`` with ``Options.rds_managed_password``: ``ManageMasterUserPassword: true``;
- a Lambda (or SAM ``Globals``) environment variable: ``VAR_SECRET_ARN: <the secret's ARN>``; a
  resolved reference would sit in plaintext in the function's configuration, so the code fetches it;
- a parameter default (dynamic references are not allowed in ``Parameters``): every ``Ref`` to the
  parameter becomes the dynamic reference and the parameter goes; any other use (``!Sub``,
  conditions, outputs) leaves a display-only patch;
- an output (not a resource property): the secret's ARN (an output is shown in the console);
- custom resources and ``Metadata`` (``AWS::CloudFormation::Init``) cannot resolve a secret: skipped
  with the reason.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from ..targets import RewriteTarget
from .base import (APPLIED, PATCH, SKIPPED, UNSAFE, Edit, FileRewrite, Options, Outcome, apply_edits, find_part,
                   offset_of, patch_text, value_matches)
from .spans import N, SpanError, is_json, parse, scalar_at, walk
from .textedit import quoted, remove_entry, replace_part, replace_scalar

NOTE_REF = ("literal replaced by a dynamic reference; CloudFormation resolves it at deploy time, so a rotated value "
            "reaches the resource at the next stack update (the deploying role needs secretsmanager:GetSecretValue)")
NOTE_LAMBDA = ("the variable now holds the secret's ARN ({var}_SECRET_ARN): a resolved reference would sit in "
               "plaintext in the function configuration; the function code reads the secret itself (its role "
               "needs secretsmanager:GetSecretValue on that ARN)")
NOTE_RDS = ("ManageMasterUserPassword: RDS creates and rotates the master password in a secret of its own "
            "(MasterUserSecret.SecretArn); readers of the migrated secret must switch to that one")
NOTE_OUTPUT = ("an output cannot resolve a dynamic reference and is shown in the console: it now gives the ARN of "
               "the secret that holds the value")
NOTE_PARAM = ("dynamic references are not allowed in Parameters: every Ref to the parameter now resolves the secret "
              "and the parameter is gone (drop it from deploy commands that pass it)")
# properties whose resolved value anyone who can describe the resource sees (or that identify it)
EXPOSED = ("Description", "Name", "Id", "Arn")
LAMBDA_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
RDS_TYPES = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")


def dynamic_reference(name: str, json_key: Optional[str]) -> str:
    if json_key:
        return f"{{{{resolve:secretsmanager:{name}:SecretString:{json_key}}}}}"
    return f"{{{{resolve:secretsmanager:{name}}}}}"


def _resource_type(root: N, logical: str) -> str:
    res = root.get("Resources")
    r = res.get(logical) if res is not None and res.kind == "map" else None
    return (r.text_of("Type") or "") if r is not None and r.kind == "map" else ""


def _refs(root: N, param: str) -> tuple:
    """(Ref nodes inside Resources to replace, whether any other use exists) for parameter ``param``."""
    refs, other = [], False
    for section, node in root.entries:
        in_resources = section.value == "Resources"
        for n in walk(node):
            is_ref = (n.kind == "scalar" and n.tag == "!Ref" and n.value == param) or (
                n.kind == "map" and len(n.entries) == 1 and n.entries[0][0].value == "Ref"
                and n.entries[0][1].value == param)
            if is_ref:
                if in_resources:
                    refs.append(n)
                else:
                    other = True
            elif n.kind == "scalar" and not n.is_key and section.value != "Parameters" and (
                    "${" + param + "}" in (n.value or "") or (n.tag == "!GetAtt" and n.value == param)):
                other = True
    return refs, other


def rewrite(text: str, path: str, targets: Sequence[RewriteTarget], options: Options) -> FileRewrite:
    rw = FileRewrite(path, text, text, "cfn")
    jf = is_json(text, path)
    try:
        docs = parse(text, path)
    except SpanError as e:
        for t in targets:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"does not parse (line {e.line}); not edited"))
        return rw
    root = docs[0] if docs else None
    edits: List[Edit] = []
    patches: List[tuple] = []  # (target, edits, note)
    done_params: set = set()
    param_removals: dict = {}
    for t in targets:
        off = offset_of(text, t.line, t.column)
        node = scalar_at(root, off) if root is not None and off is not None else None
        if node is None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: no value at this position"))
            continue
        whole = value_matches(node.value, t)
        part = None if whole else find_part(node.value or "", t, off - node.vstart if node.exact else None)
        if not whole and part is None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: value does not match (changed or already migrated)"))
            continue
        rw.secrets_seen.append(node.value if whole else node.value[part[0]:part[1]])
        p = node.path()
        ref = dynamic_reference(t.secret_id, t.json_key)
        kind, new, note = _decide(root, node, p, t, options, whole)
        if kind == "skip":
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: {note}"))
            continue
        if kind == "ref":
            e = replace_scalar(text, node, ref, jf) if whole else replace_part(text, node, part[0], part[1], ref, jf)
            if e is None:
                rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: the string has escapes; not edited"))
                continue
            edits.append(e)
        elif kind == "lambda":
            k = node.key
            arn = options.arn(t.secret_id)
            new_key = f"{k.value}_SECRET_ARN"
            if node.parent.get(new_key) is not None:
                rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: {new_key} already exists"))
                continue
            edits += [Edit(k.start, k.end, quoted(new_key, k.style, jf)), replace_scalar(text, node, arn, jf)]
            note = NOTE_LAMBDA.format(var=k.value)
        elif kind == "rds":
            k = node.key
            key_text = '"ManageMasterUserPassword"' if jf else "ManageMasterUserPassword"
            edits.append(Edit(k.start, node.end, f"{key_text}: true"))
        elif kind == "output":
            edits.append(replace_scalar(text, node, options.arn(t.secret_id), jf, keep_tag=False))
        elif kind == "param":
            param = p[1]
            refs, other = _refs(root, param)
            pe: List[Edit] = [_ref_edit(text, r, ref, jf) for r in refs]
            params = root.get("Parameters")
            pkey = next(k for k, v in params.entries if k.value == param)
            removal = remove_entry(text, params, pkey)
            if other or removal is None:
                patches.append((t, pe + (removal or []), "the parameter is used where no dynamic reference can go "
                                                          "(!Sub, conditions, outputs): change those uses by hand"))
                continue
            if param not in done_params:
                edits += pe
                param_removals[param] = removal
                done_params.add(param)
        rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, note))
    if param_removals:
        params = root.get("Parameters")
        if len(param_removals) == len(params.entries):  # no parameter left: the section goes
            pkey = next(k for k, v in root.entries if v is params)
            edits += remove_entry(text, root, pkey) or [e for r in param_removals.values() for e in r]
        else:
            edits += [e for r in param_removals.values() for e in r]
    try:
        new_text = apply_edits(text, edits) if edits else text
    except ValueError:
        return rw.refuse("rewrite refused: two edits overlap")
    for t, pe, why in patches:
        try:
            alt = apply_edits(new_text, pe)
        except ValueError:
            alt = new_text
        rw.outcomes.append(Outcome(t, PATCH, "display-only", why, patch_text(new_text, alt, path, rw.secrets_seen)))
    if new_text != text:
        try:
            parse(new_text, path)
        except SpanError:
            return rw.refuse("rewrite refused: the result would not parse")
        rw.text = new_text
        rw.messages.append(f"{path}: a stack update is needed for CloudFormation to resolve the new references")
    return rw.finish()


def _ref_edit(text: str, r: N, ref: str, jf: bool) -> Edit:
    if r.kind == "scalar":  # !Ref Param
        return Edit(r.start, r.end, quoted(ref, "'", jf))
    return Edit(r.start, r.end, quoted(ref, '"', jf) if jf or r.flow else quoted(ref, "'", jf))


def _decide(root: N, node: N, p: List[str], t: RewriteTarget, options: Options, whole: bool) -> tuple:
    """(kind, _, note): ref | lambda | rds | output | param | skip."""
    if not p:
        return "skip", None, "not inside the template"
    top = p[0]
    if top == "Resources" and len(p) >= 3:
        rtype = _resource_type(root, p[1])
        if p[2] == "Metadata" or "Metadata" in p[3:]:
            return "skip", None, "dynamic references are not allowed in Metadata (AWS::CloudFormation::Init)"
        if p[2] != "Properties":
            return "skip", None, f"not a resource property ({p[2]})"
        if "Tags" in p[3:] or (len(p) > 3 and (p[-1] in EXPOSED or p[-1].endswith("Name"))):
            return "skip", None, (f"{'a tag' if 'Tags' in p[3:] else p[-1]} is shown to anyone who can describe the "
                                  "resource (or names it): a secret does not belong there")
        if rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource":
            return "skip", None, "dynamic references to secrets are not supported in custom resources"
        if rtype in LAMBDA_TYPES and p[3:5] == ["Environment", "Variables"] and len(p) == 6:
            return ("lambda", None, "") if whole else (
                "skip", None, "part of a Lambda environment variable: a resolved reference would sit in plaintext in "
                              "the function configuration; give the function the secret's ARN and read it in code")
        if rtype in RDS_TYPES and p[3:] == ["MasterUserPassword"] and options.rds_managed_password and whole:
            return "rds", None, NOTE_RDS
        return "ref", None, NOTE_REF
    if top == "Globals" and p[1:2] == ["Function"] and p[2:4] == ["Environment", "Variables"] and len(p) == 5:
        return ("lambda", None, "") if whole else ("skip", None, "part of a Lambda variable; change it by hand")
    if top == "Outputs":
        return ("output", None, NOTE_OUTPUT) if whole else ("skip", None, "part of an output value")
    if top == "Parameters" and len(p) == 3 and p[2] == "Default":
        return ("param", None, NOTE_PARAM) if whole else ("skip", None, "part of a parameter default")
    return "skip", None, f"not a resource property ({'.'.join(p[:2])})"


def is_template(root: Optional[N]) -> bool:
    if root is None or root.kind != "map":
        return False
    if root.get("AWSTemplateFormatVersion") is not None:
        return True
    res = root.get("Resources")
    return res is not None and res.kind == "map" and any(
        v.kind == "map" and (v.text_of("Type") or "").startswith(("AWS::", "Custom::")) for _, v in res.entries)


__all__ = ["rewrite", "dynamic_reference", "is_template", "PATCH"]
