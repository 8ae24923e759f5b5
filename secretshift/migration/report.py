"""What a migration tells its user, as lines of text (never a value): the plan's summary, the files
that will change, what is pending and the command that finishes it, what is left in place, and the
by-hand changes worded in each file's own terms (no Python accessor advice for JSON or HTML)."""
from __future__ import annotations

import shlex
from pathlib import PurePosixPath
from typing import Any, Callable

from ..planner.model import Plan, PlannedSecret, Rewrite


def rule_routes(ruleset: Any) -> Callable[[Any], str]:
    from ..planner.routes import matcher
    from ..reporters.rotation_routes import load_routes

    return matcher(load_routes()["routes"], {r.id: r.rotation for r in ruleset.rules if r.rotation})


def summary_lines(plan: Plan) -> list[str]:
    new = [s for s in plan.secrets if not s.existing]
    old = [s for s in plan.secrets if s.existing]
    out = [f"{len(new)} secret(s) to create (prefix {plan.prefix})"
           + (f", {len(old)} created by an earlier run and read again:" if old else ":")]
    for s in plan.secrets:
        keys = ", ".join(v.key for v in s.values if v.key) or "plain string"
        acts: dict[str, int] = {}
        for r in s.rewrites:
            acts[r.applicability] = acts.get(r.applicability, 0) + 1
        rw = ", ".join(f"{n} {a}" for a, n in sorted(acts.items()))
        tag = "  (exists)" if s.existing else ""
        out.append(f"  {s.name}{tag}  [{keys}]  rewrites: {rw or 'none'}  rotation: {s.rotation}")
    if plan.cost and new:
        c = plan.cost
        reps = f" + {c['replicas']} replica(s) x 0.40" if c.get("replicas") else ""
        out.append(f"estimated cost: USD {c['total_usd_per_month']:.2f}/month "
                   f"({c['secrets']} x 0.40{reps} + {c['api_calls_per_month']} calls)")
    if plan.lifecycle:
        from ..planner.lifecycle import features

        out.append(f"after creation: {', '.join(features(plan)) or 'nothing'} (see 'lifecycle' in the plan; "
                   f"secrets earlier runs migrated too)")
    for w in plan.warnings:
        out.append(f"warning: {w}")
    return out


def diff_summary(plan: Plan) -> list[str]:
    files: dict[str, list[Any]] = {}
    for s in plan.secrets:
        for r in s.rewrites:
            files.setdefault(r.location.file, []).append(r)
    out = []
    for f in sorted(files):
        rs = files[f]
        lines = ", ".join(str(r.location.line) for r in sorted(rs, key=lambda r: r.location.line))
        kinds = sorted({"by hand" if r.action == "display" else r.action for r in rs})
        out.append(f"  {f}: {len(rs)} change(s) at line(s) {lines} ({', '.join(kinds)})")
    return out


def _by_file(plan: Plan, reason: str, what: str, why: str) -> list[str]:
    """``left in place: N <what> (up to three files): <why>`` for the plan's left places of ``reason``."""
    files = sorted({x.location.file for x in plan.left if x.reason == reason})
    if not files:
        return []
    n = sum(1 for x in plan.left if x.reason == reason)
    return [f"left in place: {n} {what} ({', '.join(files[:3])}{' and others' if len(files) > 3 else ''}): {why}"]


def left_lines(plan: Plan) -> list[str]:
    public = [x for x in plan.left if x.reason == "public"]
    out = _by_file(plan, "test", "finding(s) in tests and fixtures",
                   "test values stay with the tests (--include-tests migrates them)")
    if public:
        out.append(f"left in place: {len(public)} public value(s) (publishable keys, Sentry DSNs and their "
                   f"reads: meant to be public; not moved, not rotated): "
                   + ", ".join(f"{x.location.file}:{x.location.line}" for x in public[:3]))
    out += _by_file(plan, "development", "value(s) of the development environment's configuration",
                    "a developer's local values, not production secrets; a real shared credential there should be "
                    "read from the environment instead (and rotated)")
    out += _by_file(plan, "example", "value(s) in configuration templates",
                    "a template's values are examples the program never reads; replace a real credential there by "
                    "a placeholder by hand (and rotate it)")
    out += _by_file(plan, "no-credential", "read(s) of a URL with no credential in it (sqlite:///..., no password)",
                    "nothing secret to move; the variable stays as it is")
    out += _by_file(plan, "comment", "value(s) on commented-out lines",
                    "no program reads them; a real credential among them is on the rotation checklist: rotate it "
                    "and delete the line")
    out += _by_file(plan, "docs", "value(s) in documentation and examples",
                    "no program reads them there; a real credential among them is on the rotation checklist: "
                    "rotate it and put a placeholder in the text")
    out += _by_file(plan, "compiled", "value(s) in a build's output (a file with a source map)",
                    "the next build writes it again from its source: change the source (and rotate the value)")
    out += _by_file(plan, "temporary", "read(s) of a temporary credential (AWS_SESSION_TOKEN)",
                    "an STS session token expires within hours: the credential chain renews it, a stored copy would go stale")
    browser = [x for x in plan.left if x.reason == "browser"]
    if browser:
        out.append(f"left in place: {len(browser)} build-time variable read(s) in browser code (the build sets them "
                   f"and must read them from Secrets Manager; every browser receives them): "
                   + ", ".join(f"{x.location.symbol or '?'} ({x.location.file}:{x.location.line})" for x in browser[:3]))
    return out


def finish_command(argv: list[str] | None, values_file: str = "values.env") -> str:
    """The command that finishes pending values: the same migrate command with ``--values``."""
    args = [a for a in (argv or ["migrate"])]
    if "--values" in args:
        return "secretshift " + " ".join(shlex.quote(a) for a in args)
    return "secretshift " + " ".join(shlex.quote(a) for a in args) + f" --values {values_file}"


def pending_lines(plan: Plan, apply_pending: dict[str, list[str]], argv: list[str] | None) -> list[str]:
    """Pending values (planned so, or found without a value at apply time) and how to finish them."""
    rows = []
    for p in plan.pending:
        if p.display_only:
            continue
        where = ", ".join(f"{r.file}:{r.line}" for r in p.reads[:3]) + (" ..." if len(p.reads) > 3 else "")
        rows.append(f"  {p.variable}  (read at {where}; would go to {p.secret}"
                    f"{'[' + p.json_key + ']' if p.json_key else ''})")
    by_id = {s.id: s for s in plan.secrets}
    for sid, missing in sorted(apply_pending.items()):
        s = by_id.get(sid)
        for var in missing:
            rows.append(f"  {var}  (for {s.name if s else sid}: no value at apply time)")
    if not rows:
        return []
    names = sorted({r.split()[0] for r in rows})
    return ([f"pending: {len(rows)} value(s) with no value in the repository, the environment or --values; "
             f"not created, their reads left as they are:"] + rows
            + [f"finish later: put {', '.join(n + '=...' for n in names[:3])}{' ...' if len(names) > 3 else ''} "
               f"in a file (dotenv syntax, never written back) and run: {finish_command(argv)}"])


def noted_lines(plan: Plan) -> list[str]:
    rows = [p for p in plan.pending if p.display_only]
    if not rows:
        return []
    return ["noted: environment reads in files secretshift does not edit, with no value to move "
            "(inject them from Secrets Manager at deploy time): "
            + ", ".join(f"{p.variable} ({p.reads[0].file}:{p.reads[0].line})" for p in rows if p.reads)]


# --- by-hand changes, in each file's own terms ----------------------------------------------------------

def _kind(path: str) -> str:
    p = PurePosixPath(path)
    name, suf = p.name.lower(), p.suffix.lower()
    if name == "dockerfile" or name.startswith("dockerfile.") or suf == ".dockerfile":
        return "dockerfile"
    if "compose" in name and suf in (".yml", ".yaml"):
        return "compose"
    if suf in (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx"):
        return "js"
    if suf in (".tf", ".tfvars", ".hcl"):
        return "terraform"
    if suf in (".sh", ".bash", ".zsh") or name in (".bashrc", ".profile"):
        return "shell"
    if ".github/workflows/" in path and suf in (".yml", ".yaml"):
        return "actions"
    if suf == ".json" and ("task" in name or "ecs" in name or "container" in name):
        return "ecs"
    if suf in (".yml", ".yaml") and any(k in path.lower() for k in ("k8s", "kube", "helm", "manifests", "deploy")):
        return "kubernetes-or-cfn"
    if suf in (".html", ".htm", ".md", ".txt", ".rst"):
        return "document"
    return "other"


# the call that reads a secret in each language's AWS SDK (what a by-hand change of program source uses)
_SDK_BY_SUFFIX = {
    ".go": "the AWS SDK for Go (secretsmanager.Client.GetSecretValue, cached)",
    ".java": "the AWS SDK for Java (SecretsManagerClient.getSecretValue, or the AWS Secrets Manager caching client)",
    ".kt": "the AWS SDK for Kotlin or Java (getSecretValue)", ".kts": "the AWS SDK for Kotlin or Java (getSecretValue)",
    ".scala": "the AWS SDK for Java (SecretsManagerClient.getSecretValue)",
    ".groovy": "the AWS SDK for Java (SecretsManagerClient.getSecretValue)",
    ".cs": "the AWS SDK for .NET (AmazonSecretsManagerClient.GetSecretValueAsync, or its caching client)",
    ".fs": "the AWS SDK for .NET (AmazonSecretsManagerClient.GetSecretValueAsync)",
    ".rb": "the AWS SDK for Ruby (Aws::SecretsManager::Client#get_secret_value)",
    ".rake": "the AWS SDK for Ruby (Aws::SecretsManager::Client#get_secret_value)",
    ".php": "the AWS SDK for PHP (Aws\\SecretsManager\\SecretsManagerClient::getSecretValue)",
    ".rs": "the AWS SDK for Rust (aws_sdk_secretsmanager::Client::get_secret_value)",
    ".ex": "ExAws.SecretsManager (get_secret_value) or the AWS CLI at start-up",
    ".exs": "ExAws.SecretsManager (get_secret_value) or the AWS CLI at start-up",
    ".c": "the AWS SDK for C++ (SecretsManagerClient::GetSecretValue)",
    ".cpp": "the AWS SDK for C++ (SecretsManagerClient::GetSecretValue)",
    ".swift": "the AWS SDK for Swift (SecretsManagerClient.getSecretValue)",
    ".dart": "the AWS CLI or an AWS SDK call at start-up (GetSecretValue)",
    ".ps1": "Get-SECSecretValue (AWS Tools for PowerShell)",
}


def by_hand(s: PlannedSecret, r: Rewrite) -> str:
    """The change a user makes by hand for a display-only rewrite, in the file's own terms."""
    key = r.json_key
    ref = f"{s.name}" + (f" (JSON key {key})" if key else "")
    named = r.env_var or r.location.symbol
    var = named or "the value"
    lit = f"the literal {named}" if named else "the literal"
    k = _kind(r.location.file)
    jq = f" | jq -r .{key}" if key else ""
    tf_key = f' and jsondecode(...)["{key}"]' if key else ""
    return {
        "js": f"read secret {ref} at run time with the AWS SDK for JavaScript (GetSecretValueCommand), "
              f"or have the deployment inject {var} from it",
        "ecs": f"move {var} from \"environment\" to \"secrets\" with \"valueFrom\": \"<ARN of {s.name}>"
               f"{':' + key + '::' if key else ''}\"",
        "compose": f"remove {lit}; inject it at deploy time from {ref} (an env_file written from "
                   f"the secret, or the platform's secret store)",
        "terraform": f"read {ref} with data \"aws_secretsmanager_secret_version\""
                     f"{tf_key} instead of the literal",
        "shell": f"replace the literal with $(aws secretsmanager get-secret-value --secret-id {s.name} "
                 f"--query SecretString --output text{jq})",
        "actions": f"fetch {ref} with aws-actions/aws-secretsmanager-get-secrets instead of the literal",
        "dockerfile": f"remove {var} from the image (ENV/ARG values end up in its layers); pass it at run time "
                      f"from {ref}",
        "kubernetes-or-cfn": f"replace {lit} with a reference to {ref} (a {{{{resolve:secretsmanager:...}}}} "
                             f"dynamic reference in CloudFormation, an External Secrets remoteRef in Kubernetes)",
        "document": f"remove the value from this file (it cannot read Secrets Manager); it now lives in {ref}",
    }.get(k) or _sdk_by_hand(s, r, ref, var, lit) or f"remove {lit} from this file and read {ref} where it is needed"


def _spring(path: str) -> bool:
    """A Spring Boot / Micronaut configuration file (SS213's files)."""
    p = PurePosixPath(path)
    name = p.name.lower()
    return p.suffix.lower() in (".properties", ".yml", ".yaml") and (
        name.startswith(("application", "bootstrap")) or "src/main/resources/" in path)


def _sdk_by_hand(s: PlannedSecret, r: Rewrite, ref: str, var: str, lit: str) -> str | None:
    """Files secretshift does not rewrite and knows how to change by hand: a keystore, Spring's
    configuration, and program source (which SDK call replaces what)."""
    p = PurePosixPath(r.location.file)
    if p.suffix.lower() in (".p12", ".pfx", ".jks", ".keystore"):
        return (f"delete this keystore from the repository; its bytes are in {ref} (base64): have the deployment "
                f"write them to a file the application reads, and rotate the key (it stays in git history)")
    if _spring(r.location.file):
        key = f" (its JSON key {r.json_key})" if r.json_key else ""
        if r.env_var:
            head = f"keep ${{{r.env_var}}} with no literal default and have the deployment inject {r.env_var} from {ref}"
        else:  # a literal under a YAML/properties key: a placeholder named after the key replaces it
            from secretshift.scanner.engines._config_values import env_style

            env = env_style((r.location.symbol or "secret").rsplit(".", 1)[-1]) or "SECRET"
            head = f"replace the literal with ${{{env}}} and have the deployment inject {env} from {ref}"
        return (f"{head}, or import the secret with Spring Cloud AWS (spring.config.import=aws-secretsmanager:"
                f"{s.name}) and use its value{key}")
    sdk = _SDK_BY_SUFFIX.get(p.suffix.lower()) or (_SDK_BY_SUFFIX[".rb"] if p.name.lower() in ("rakefile", "gemfile") else None)
    if sdk is None:
        return None
    if r.kind == "env":
        at = (r.location.file, r.location.line)
        fallback = any(v.kind == "literal" and any((loc.file, loc.line) == at for loc in v.locations) for v in s.values)
        return (f"read {ref} with {sdk} instead of the environment variable {var}"
                + (" and drop its literal fallback" if fallback else f", or have the deployment inject {var} from it"))
    return f"remove {lit} from this file and read {ref} with {sdk}"


def display_lines(plan: Plan, patched: set[tuple[str, int]] | frozenset = frozenset()) -> list[str]:
    """By-hand changes of display-only places, except those (``patched``: (file, line)) whose exact
    patch the rewrite stage printed."""
    from ..planner.build import DOTENV_KEPT

    out = []
    kept: dict[str, list[tuple[int, str, str]]] = {}  # .env file -> (line, variable, secret) left in place
    head = DOTENV_KEPT.split("{var}")[0]
    for s in plan.secrets:
        for r in s.rewrites:
            if r.action == "display" and r.reason.startswith(head):
                var = r.reason[len(head):].split(" ", 1)[0]
                kept.setdefault(r.location.file, []).append(
                    (r.location.line, var, s.name + (f" key {r.json_key}" if r.json_key else "")))
            elif r.action == "display" and (r.location.file, r.location.line) not in patched:
                out.append(f"{r.location.file}:{r.location.line}: change by hand: {by_hand(s, r)}")
    for rel, rows in sorted(kept.items()):  # once per file
        rows.sort()
        names = ", ".join(f"{var} (line {line}: {where})" for line, var, where in rows)
        out.append(f"{rel}: kept {names}: nothing this run rewrites reads them (PHP, Ruby or other code "
                   f"secretshift does not rewrite), so the file keeps their values; the secrets are created: inject "
                   f"them at deploy time (e.g. from Secrets Manager), then remove the lines")
    return out


def parameter_lines(root: Any, prefix: str, settings: Any) -> list[str]:
    """What ``--parameters`` will move: variables and where they are read (never a value)."""
    from ..planner.parameters import config_reads, parameter_name
    from .verify import tree_files

    reads = config_reads(root, tree_files(root, state=False), tuple(settings.secret_env_names or ()), tuple(settings.non_secret_env_names or ()))
    by_var: dict[str, list[str]] = {}
    for r in reads:
        by_var.setdefault(r.variable, []).append(f"{r.file}:{r.line}")
    out = [f"{len(by_var)} configuration variable(s) to Parameter Store:"]
    out += [f"  {parameter_name(prefix, v)}  read at {', '.join(w)}" for v, w in sorted(by_var.items())]
    return out
