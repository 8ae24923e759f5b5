"""Infrastructure as code instead of API calls: the plan as a CloudFormation template or a Terraform
module (``secretshift plan --emit cloudformation|terraform``). Secrets are declared without values:
``secretshift apply`` (or the user) puts each value after the stack exists."""
from __future__ import annotations

from pathlib import Path
from typing import Any

FILES = {"cloudformation": "secrets.cfn.yaml", "terraform": "secrets.tf"}


def emit(plan: Any, kind: str, dest: Path) -> tuple[Path, str | None]:
    """Write ``plan`` as ``kind`` to ``dest`` (a file, or a directory for the default name); returns the file
    and a warning (or None)."""
    from ..migration.util import write_if_changed
    from ..planner.lifecycle import of_plan
    from . import cloudformation, terraform

    lc, per = of_plan(plan)
    text = cloudformation.render(plan, lc, per) if kind == "cloudformation" else terraform.render(plan, lc, per)
    warning = None
    if kind == "cloudformation" and text.count("\n    Type: AWS::") > cloudformation.MAX_RESOURCES:
        warning = (f"the template has more than {cloudformation.MAX_RESOURCES} resources, CloudFormation's limit per "
                   f"stack: split the plan (--prefix per part) or use --emit terraform")
    path = dest / FILES[kind] if dest.is_dir() else dest
    write_if_changed(path, text)
    return path, warning
