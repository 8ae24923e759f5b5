"""The rotation checklist as Markdown (``.secretshift/ROTATION.md``): riskiest credential first, each
with where it leaked and the vendor's procedure with exact commands. No value, only mask + fingerprint."""
from __future__ import annotations

from typing import Any


def route_for(item: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    return next((r for r in data["routes"] if r["id"] == item["route"]), data["routes"][-1])


def overlap_note(route: dict[str, Any]) -> str | None:
    """Whether the vendor lets the old and the new credential work side by side."""
    if "overlap" not in route:
        return None
    if route["overlap"]:
        return "yes: the old and the new credential can be valid at once, so revoke the old one last"
    return "no: only one can be valid, the old one stops working when the new one is issued"


def steps_for(item: dict[str, Any], data: dict[str, Any]) -> list[dict[str, str]]:
    route = route_for(item, data)
    secret = item.get("secret") or "<SECRET_ID>"
    out = []
    for s in route["steps"]:
        step = {"text": " ".join(str(s["text"]).split()).replace("{secret}", secret)}
        if s.get("command"):
            step["command"] = " ".join(str(s["command"]).split()).replace("{secret}", secret)
        out.append(step)
    if route.get("better"):
        out.append({"text": " ".join(str(route["better"]).split())})
    return out


def _where(it: dict[str, Any]) -> str:
    if not it["in_history"]:
        return "in the working tree (not a git repository, or history not scanned)"
    pushed = "**pushed** (reachable from a remote-tracking branch)" if it["pushed"] else "local only (not pushed)"
    head = "still at HEAD" if it["present_at_head"] else "removed from HEAD but still in history"
    return (f"first commit `{(it['first_commit'] or '')[:12]}` on {it['first_commit_date']} by {it['author']}, "
            f"in `{it['path']}`; {pushed}; {head}")


LEFT_OUT = {"test": "in tests and fixtures (not migrated; `--include-tests` lists them)",
            "public": "publishable keys, meant to be public (nothing to rotate)"}


def render(items: list[dict[str, Any]], data: dict[str, Any], left_out: dict[str, int] | None = None) -> str:
    lines = ["# Rotation checklist", "",
             "Every credential below was committed to git: moving it to AWS Secrets Manager does not take it",
             "out of history, so each one must be rotated (replaced and revoked). Riskiest first: live keys,",
             "then pushed before local-only. Values are shown masked with their fingerprint.", "",
             "When one is rotated, tick it: change its `- [ ] rotated` line to `- [x] rotated` (or run",
             "`secretshift checklist --rotated FINGERPRINT`). The next run keeps the tick and moves the item",
             "to \"Rotated\"; an item stays here until it is ticked, even if history no longer shows it.", ""]
    open_items = [it for it in items if not it.get("rotated")]
    if not open_items:
        lines += ["No leaked credential left to rotate." if items else "No leaked credential found.", ""]
    else:
        lines += ["| # | credential | rule | pushed | first commit | secret |", "|---|---|---|---|---|---|"]
        for it in open_items:
            lines.append(f"| {it['rank']} | {it['title']} `{it['masked']}` | {it['rule_id']} | "
                         f"{'yes' if it['pushed'] else 'no'} | {(it['first_commit'] or '-')[:12]} "
                         f"{it['first_commit_date'] or ''} | {it['secret'] or '-'} |")
        lines.append("")
    for why, n in sorted((left_out or {}).items()):
        lines.append(f"Not listed: {n} credential(s) {LEFT_OUT.get(why, why)}.")
    if left_out:
        lines.append("")
    done = [it for it in items if it.get("rotated")]
    for it in open_items:
        live = " (live)" if it["live"] else ""
        lines += [f"## {it['rank']}. {it['title']}{live}: `{it['masked']}`", "",
                  "- [ ] rotated", f"- fingerprint `{it['fingerprint']}` ({it['rule_id']} {it['slug']}, {it['severity']})",
                  f"- where: {_where(it)}"]
        if it.get("carried"):
            lines.append("- no longer found in history by this run (history rewritten?); it still leaked")
        if len(it["paths"]) > 1:
            lines.append(f"- also in: {', '.join(f'`{p}`' for p in it['paths'] if p != it['path'])}")
        if it["secret"]:
            lines.append(f"- now stored as secret `{it['secret']}`")
        route = route_for(it, data)
        note = overlap_note(route)
        if note:
            lines.append(f"- zero-downtime rotation: {note}")
        if route.get("docs"):
            lines.append(f"- vendor procedure: {route['docs']}")
        lines.append("")
        for n, step in enumerate(steps_for(it, data), 1):
            lines.append(f"{n}. {step['text']}")
            if step.get("command"):
                lines += ["", "   ```sh", f"   {step['command']}", "   ```"]
        lines.append("")
    if done:
        lines += ["## Rotated", ""]
        for it in done:
            lines += [f"### {it['rank']}. {it['title']}: `{it['masked']}`", "", "- [x] rotated",
                      f"- fingerprint `{it['fingerprint']}` ({it['rule_id']} {it['slug']})", ""]
    lines += ["## After rotating", "", " ".join(str(data.get("alarm_note", "")).split()), "", "```sh",
              " ".join(str(data.get("alarm_command", "")).split()), "```", ""]
    auto = sorted({it["secret"] for it in items if it.get("secret") and it.get("has_rotation_lambda")})
    note = " ".join(str(data.get("auto_rotation_note", "")).split())
    if auto:
        lines += ["Automatic rotation (a rotation Lambda exists for these):", ""]
        lines += [f"- `{s}`: " + note.replace("{secret}", s) for s in auto]
    else:
        lines.append(note.replace("{secret}", "<SECRET_ID>"))
    lines.append("")
    return "\n".join(lines)
