"""Deployable output (no AWS): where the accessor goes, boto3 in the declared dependencies, the target
Python, Dockerfiles that would leave the accessor out; database secret components from the code."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from secretshift.migration import deploy
from secretshift.migration.databases import components
from secretshift.planner.model import Location


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_accessor_goes_inside_the_importing_package_or_beside_a_script(tmp_path):
    write(tmp_path, {"src/shop/__init__.py": "", "src/shop/settings/__init__.py": "", "src/shop/settings/base.py": "",
                     "bot.py": "", "scripts/run.py": ""})
    assert deploy.accessor_for(tmp_path, "src/shop/settings/base.py") == deploy.Placement(
        "shop.secretshift_secrets", "src/shop/secretshift_secrets.py")
    assert deploy.accessor_for(tmp_path, "bot.py") == deploy.Placement("secretshift_secrets", "secretshift_secrets.py")
    assert deploy.accessor_for(tmp_path, "scripts/run.py").path == "scripts/secretshift_secrets.py"
    assert deploy.accessor_for(tmp_path, "bot.py", "common.secrets") == deploy.Placement("common.secrets", "common/secrets.py")


def test_a_namespace_package_imported_by_dotted_name_gets_the_accessor_at_its_top(tmp_path):
    """app/backend has no __init__.py but its modules import each other as backend.x (PEP 420):
    a module beside them named secretshift_secrets would not be importable."""
    write(tmp_path, {"app/backend/config.py": "", "app/backend/crud.py": "from backend.models import User\n",
                     "app/backend/models.py": "", "tools/once.py": ""})
    assert deploy.accessor_for(tmp_path, "app/backend/config.py") == deploy.Placement(
        "backend.secretshift_secrets", "app/backend/secretshift_secrets.py")
    assert deploy.accessor_for(tmp_path, "tools/once.py").module == "secretshift_secrets"


@pytest.mark.parametrize("files, changed, expect", [
    ({"requirements.txt": "flask==3.0\nrequests"}, "requirements.txt", "flask==3.0\nrequests\nboto3\n"),
    ({"requirements.txt": "Boto3>=1.20\n"}, None, None),
    ({"requirements/base.txt": "django\n", "requirements/dev.txt": "pytest\n"}, "requirements/base.txt", "django\nboto3\n"),
    # requirements.txt includes prod.txt (which includes base.txt): boto3 once, in the file the others include
    ({"requirements.txt": "-r requirements/prod.txt\n", "requirements/prod.txt": "--requirement=base.txt\ngunicorn\n",
      "requirements/base.txt": "django\n"}, "requirements/base.txt", "django\nboto3\n"),
    ({"requirements.txt": "-rrequirements/prod.txt\n", "requirements/prod.txt": "flask\nboto3\n"}, None, None),
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = [\n    "fastapi",  # web\n]\n'}, "pyproject.toml",
     '[project]\nname = "x"\ndependencies = [\n    "fastapi",  # web\n    "boto3",\n]\n'),
    ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.9"\nflask = "^3"\n'}, "pyproject.toml",
     '[tool.poetry.dependencies]\npython = "^3.9"\nflask = "^3"\nboto3 = "*"\n'),
    ({"setup.cfg": "[metadata]\nname = x\n\n[options]\ninstall_requires =\n    click\n    pyyaml\n\n[flake8]\n"},
     "setup.cfg", "[metadata]\nname = x\n\n[options]\ninstall_requires =\n    click\n    pyyaml\n    boto3\n\n[flake8]\n"),
    ({"Pipfile": '[packages]\nflask = "*"\n\n[dev-packages]\npytest = "*"\n'}, "Pipfile",
     '[packages]\nflask = "*"\nboto3 = "*"\n\n[dev-packages]\npytest = "*"\n'),
])
def test_boto3_is_declared_where_the_project_declares_dependencies(tmp_path, files, changed, expect):
    write(tmp_path, files)
    res = deploy.declare_dependency(tmp_path)
    assert res.added == ([changed] if changed else [])
    if changed:
        assert (tmp_path / changed).read_text() == expect
        assert deploy.declare_dependency(tmp_path).added == []  # idempotent
    else:
        assert res.already


def test_a_utf16_requirements_file_stays_utf16(tmp_path):
    (tmp_path / "requirements.txt").write_bytes("\ufefffastapi==0.85\r\nuvicorn\r\n".encode("utf-16-le"))
    assert deploy.declare_dependency(tmp_path).added == ["requirements.txt"]
    assert (tmp_path / "requirements.txt").read_bytes().decode("utf-16") == "fastapi==0.85\r\nuvicorn\r\nboto3\r\n"


def test_setup_py_and_nothing_declared_are_named_not_guessed(tmp_path):
    write(tmp_path, {"setup.py": "from setuptools import setup\nsetup(install_requires=['click'])\n"})
    assert deploy.declare_dependency(tmp_path).notes == [
        "setup.py: add 'boto3' to install_requires (secretshift does not edit setup.py)"]
    assert "no dependency declaration found" in deploy.declare_dependency(tmp_path / "nowhere").notes[0]


def test_a_subproject_declares_for_the_code_inside_it(tmp_path):
    """full-stack-fastapi-template shape: a root pyproject.toml that is only a workspace, the
    application's own in backend/; a script at the root uses the root's requirements.txt."""
    write(tmp_path, {"pyproject.toml": '[tool.uv.workspace]\nmembers = ["backend"]\n',
                     "backend/pyproject.toml": '[project]\nname = "app"\nrequires-python = ">=3.5"\n'
                                               'dependencies = [\n    "fastapi",\n]\n',
                     "backend/app/__init__.py": "", "backend/app/core/config.py": "",
                     "requirements.txt": "click\n", "tool.py": "", "web/app.py": ""})
    res = deploy.declare_dependency(tmp_path, files=["backend/app/core/config.py", "tool.py", "web/app.py"])
    assert sorted(res.added) == ["backend/pyproject.toml", "requirements.txt"] and not res.notes
    assert '"boto3"' in (tmp_path / "backend/pyproject.toml").read_text()
    assert deploy.target_python(tmp_path) == (None, "")
    assert deploy.target_python(tmp_path, ["backend/app/core/config.py"]) == \
        ((3, 5), "backend/pyproject.toml requires-python")
    with pytest.raises(deploy.TargetPythonError, match=r"backend/pyproject\.toml"):
        deploy.check_target(tmp_path, None, ["backend/app/core/config.py"])


@pytest.mark.parametrize("files, expect", [
    ({"pyproject.toml": '[project]\nrequires-python = ">=3.8"\n'}, (3, 8)),
    ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.10"\n'}, (3, 10)),
    ({"runtime.txt": "python-3.9.18\n", "setup.cfg": "[options]\npython_requires = >=3.7\n"}, (3, 7)),
    ({"setup.py": "classifiers=['Programming Language :: Python :: 3.11', 'Programming Language :: Python :: 3.8']"},
     (3, 8)),
    ({"Dockerfile": "FROM python:3.12-slim\n"}, (3, 12)),
    ({}, None),
])
def test_target_python_is_the_oldest_the_project_claims(tmp_path, files, expect):
    write(tmp_path, files)
    assert deploy.target_python(tmp_path)[0] == expect


def test_an_older_python_is_refused_clearly_and_the_accessor_parses_on_the_oldest_supported(tmp_path):
    write(tmp_path, {"setup.py": "setup(python_requires='>=2.7')\n"})
    with pytest.raises(deploy.TargetPythonError, match=r"declares Python 2\.7 \(setup\.py python_requires\).*3\.6"):
        deploy.check_target(tmp_path, None)
    assert deploy.check_target(tmp_path, "3.9") == (3, 9)
    from secretshift.codemods.accessor import accessor_source

    ast.parse(accessor_source(), feature_version=deploy.MIN_PYTHON)


def test_dockerfiles_that_leave_the_accessor_out_are_named(tmp_path):
    write(tmp_path, {"Dockerfile": "FROM python:3.11\nWORKDIR /srv\nCOPY bot.py .\nRUN pip install requests discord.py\n",
                     "app/Dockerfile": "FROM python:3.11\nCOPY . .\n", "app/main.py": ""})
    warns = deploy.dockerfile_warnings(tmp_path, {"secretshift_secrets.py": ["bot.py"],
                                                  "app/secretshift_secrets.py": ["app/main.py"]})
    assert warns == ["Dockerfile copies bot.py into the image but not secretshift_secrets.py, which it now imports: "
                     "add 'COPY secretshift_secrets.py .' (or copy the whole folder)"]
    assert deploy.dockerfile_install_warnings(tmp_path, "boto3") == [
        "Dockerfile installs requests discord.py by name but not boto3, which the rewritten code imports: "
        "add it to that pip install"]


def test_database_components_from_django_dicts_split_settings_and_urls(tmp_path):
    write(tmp_path, {
        "settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop",\n'
                       '    "USER": "shop_app", "PASSWORD": "pw-one", "HOST": "db.internal", "PORT": "5432"}}\n',
        "split.py": 'import os\nDB_HOST = os.environ.get("DB_HOST", "mysql.internal")\nDB_USER = "report"\n'
                    'DB_NAME = "reports"\nDB_PASSWORD = "pw-two"\n',
        "db.py": 'URL = "mysql+pymysql://app:pw%40three@my.internal:3306/app"\n'})
    loc = lambda f, line, rule="SS110": Location(f, line, 1, line, 2, rule, "x")  # noqa: E731
    assert components(tmp_path, {"password": "pw-one"}, [("password", loc("settings.py", 2))]) == {
        "engine": "postgres", "dbname": "shop", "username": "shop_app", "host": "db.internal", "port": 5432}
    assert components(tmp_path, {"password": "pw-two"}, [("password", loc("split.py", 5))]) == {
        "host": "mysql.internal", "username": "report", "dbname": "reports"}
    assert components(tmp_path, {"url_password": "pw%40three"}, [("url_password", loc("db.py", 1, "SS602"))]) == {
        "engine": "mysql", "host": "my.internal", "port": 3306, "username": "app", "dbname": "app"}


DJANGO_ON_DOCKER = """FROM python:3.11.4-slim-buster as builder
WORKDIR /usr/src/app
RUN pip install --upgrade pip
RUN pip install flake8==6.0.0
COPY . /usr/src/app/
RUN flake8 --ignore=E501,F401 .
COPY ./requirements.txt .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /usr/src/app/wheels -r requirements.txt

FROM python:3.11.4-slim-buster
COPY --from=builder /usr/src/app/wheels /wheels
COPY --from=builder /usr/src/app/requirements.txt .
RUN pip install --upgrade pip
RUN pip install --no-cache /wheels/*
COPY . $APP_HOME
"""


@pytest.mark.parametrize("files, warned", [
    # pygoat: pip pinned by name, then the requirements file that now declares boto3
    ({"Dockerfile": "FROM python:3.11\nRUN python -m pip install --no-cache-dir pip==22.0.4\n"
                    "COPY requirements.txt requirements.txt\nRUN pip install --no-cache-dir -r requirements.txt\n",
      "requirements.txt": "Django==4.2\nboto3\n"}, None),
    # django-on-docker: wheels built from requirements.txt in one stage, installed in the next; tools by name
    ({"app/Dockerfile": DJANGO_ON_DOCKER, "app/requirements.txt": "Django==4.2\nboto3\n"}, None),
    ({"app/Dockerfile": DJANGO_ON_DOCKER, "app/requirements.txt": "Django==4.2\n"},
     "app/Dockerfile installs from requirements.txt, which does not declare boto3"),
    # a requirements file that includes the one declaring it; the project installed with uv / poetry
    ({"Dockerfile": "FROM python:3.12\nCOPY req /tmp/req\nRUN pip install -r /tmp/req/base.txt\n",
      "req/base.txt": "-r common.txt\nflask\n", "req/common.txt": "boto3\n"}, None),
    ({"Dockerfile": "FROM python:3.12\nRUN pip install uv\nCOPY . .\nRUN uv sync --frozen --no-dev\n",
      "pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastapi", "boto3"]\n'}, None),
    ({"Dockerfile": "FROM python:3.12\nRUN pip install poetry==1.8.3\nCOPY . .\nRUN poetry install --no-root\n",
      "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.12"\n'},
     "Dockerfile installs from poetry install, which does not declare boto3"),
    # only tools installed, the rest comes with the base image: no claim
    ({"Dockerfile": "FROM company/python-base\nRUN pip install --upgrade pip setuptools wheel\n"}, None),
    # the application's packages by name, without boto3: one warning for the Dockerfile
    ({"Dockerfile": "FROM python:3.11\nRUN pip install --upgrade pip\nRUN pip install requests discord.py\n"
                    "RUN pip install aiohttp\n"}, "Dockerfile installs requests discord.py aiohttp by name but not boto3"),
    ({"Dockerfile": "FROM python:3.11\nRUN pip install requests boto3==1.34.0\n"}, None),
    # a URL or a variable may bring anything (and a URL may hold a token): no claim, never quoted
    ({"Dockerfile": "FROM python:3.11\nRUN pip install git+https://ci:TOKEN@git.example.com/shop/deps.git\n"}, None),
    ({"Dockerfile": "FROM python:3.11\nRUN pip install -r https://ci:TOKEN@files.example.com/req.txt\n"}, None),
    ({"Dockerfile": "FROM python:3.11\nRUN pip install $APP_PACKAGES\n"}, None),
])
def test_an_image_is_warned_only_when_none_of_its_installs_can_bring_boto3(tmp_path, files, warned):
    write(tmp_path, {"app/settings.py": "", **files})
    warns = deploy.dockerfile_install_warnings(tmp_path, "boto3")
    assert len(warns) == (1 if warned else 0), warns
    if warned:
        assert warns[0].startswith(warned)


@pytest.mark.parametrize("files, declared, added, expect", [
    ({"pyproject.toml": "", "uv.lock": 'name = "fastapi"\n'}, {"pyproject.toml": "boto3"}, ["pyproject.toml"],
     ["refresh uv.lock (uv lock): pyproject.toml now declares boto3 and the lock predates it; "
      "a locked install (uv sync --frozen) would leave it out"]),
    # a uv workspace: one lock at the root for backend/pyproject.toml
    ({"pyproject.toml": "", "uv.lock": "", "backend/pyproject.toml": ""}, {"backend/pyproject.toml": "boto3"},
     ["backend/pyproject.toml"], ["refresh uv.lock (uv lock): backend/pyproject.toml now declares boto3 and the "
                                  "lock predates it; a locked install (uv sync --frozen) would leave it out"]),
    ({"api/pyproject.toml": "", "api/poetry.lock": "", "Pipfile": "", "Pipfile.lock": "{}", "pdm/pyproject.toml": "",
      "pdm/pdm.lock": ""}, {"api/pyproject.toml": "boto3", "Pipfile": "boto3", "pdm/pyproject.toml": "boto3"},
     ["api/pyproject.toml", "Pipfile", "pdm/pyproject.toml"],
     ["refresh Pipfile.lock (pipenv lock): Pipfile now declares boto3 and the lock predates it; a locked install "
      "(pipenv install --deploy) would leave it out",
      "refresh api/poetry.lock (cd api && poetry lock --no-update): api/pyproject.toml now declares boto3 and the "
      "lock predates it; a locked install (poetry install) would leave it out",
      "refresh pdm/pdm.lock (cd pdm && pdm lock): pdm/pyproject.toml now declares boto3 and the lock predates it; "
      "a locked install (pdm sync) would leave it out"]),
    # npm workspaces share the root lock: one line for both packages; yarn beside its package
    ({"package-lock.json": "{}", "packages/a/package.json": "", "packages/b/package.json": "", "web/package.json": "",
      "web/yarn.lock": ""},
     {"packages/a/package.json": "@aws-sdk/client-secrets-manager", "packages/b/package.json":
      "@aws-sdk/client-secrets-manager", "web/package.json": "@aws-sdk/client-secrets-manager"}, [],
     ["refresh package-lock.json (npm install): packages/a/package.json, packages/b/package.json now declare "
      "@aws-sdk/client-secrets-manager and the lock predates it; a locked install (npm ci) would leave it out",
      "refresh web/yarn.lock (cd web && yarn install): web/package.json now declares @aws-sdk/client-secrets-manager "
      "and the lock predates it; a locked install (yarn install --frozen-lockfile) would leave it out"]),
    # a later run: a lock refreshed since holds it, one without a lock needs nothing
    ({"pnpm-lock.yaml": "  '@aws-sdk/client-secrets-manager':\n    specifier: ^3.600.0\n", "package.json": "",
      "requirements.txt": "boto3\n", "pyproject.toml": "", "uv.lock": '[[package]]\nname = "boto3"\n'},
     {"package.json": "@aws-sdk/client-secrets-manager", "requirements.txt": "boto3", "pyproject.toml": "boto3"},
     [], []),
])
def test_each_lock_beside_a_declaration_that_gained_the_dependency_is_named_once(tmp_path, files, declared, added,
                                                                                 expect):
    write(tmp_path, files)
    assert deploy.stale_locks(tmp_path, declared, added) == expect


@pytest.mark.parametrize("run, named", [
    ("RUN python3 manage.py migrate", "Dockerfile:3: RUN python3 manage.py migrate"),
    ("RUN python -u /srv/manage.py collectstatic --noinput", "Dockerfile:3: RUN python /srv/manage.py collectstatic"),
    ("RUN ./manage.py compilemessages", "Dockerfile:3: RUN ./manage.py compilemessages"),
    ("RUN SECRET_KEY=build-only django-admin compilemessages", "Dockerfile:3: RUN django-admin compilemessages"),
    ("RUN flask db upgrade", "Dockerfile:3: RUN flask db upgrade"),
    ("RUN poetry run python -c 'from shop.settings import DEBUG'", "Dockerfile:3: RUN python -c ..."),
    ("RUN [\"python\", \"-m\", \"shop.prestart\"]", "Dockerfile:3: RUN python -m shop.prestart"),
    ("RUN python scripts/warm.py", "Dockerfile:3: RUN python scripts/warm.py"),
    # no import of the application
    ("RUN pip install -r requirements.txt && python -m pip install --upgrade pip", None),
    ("RUN python -m compileall -q . ; python manage.py help", None),
    ("RUN python -c 'import sys; print(sys.version)'", None),
    ("RUN flask --version", None),
    ("RUN flask create-admin build-only", "Dockerfile:3: RUN flask create-admin"),
    ("RUN python scripts/other.py", None),
])
def test_a_run_step_importing_settings_that_read_secrets_at_import_is_named_with_its_line(tmp_path, run, named):
    from secretshift.migration.images import build_import_warnings

    write(tmp_path, {"Dockerfile": f"FROM python:3.12\nCOPY . /srv\n{run}\nCMD [\"gunicorn\", \"shop.wsgi\"]\n",
                     "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n",
                     "shop/__init__.py": "", "shop/settings.py": "", "scripts/warm.py": "import shop.settings\n",
                     "scripts/other.py": "import json\n"})
    warns = build_import_warnings(tmp_path, ["shop/settings.py"])
    assert [w.split(" imports the application")[0] for w in warns] == ([named] if named else [])
    assert all("shop/settings.py now reads secrets from Secrets Manager when imported" in w for w in warns)
    assert "build-only" not in "".join(warns)  # nothing of the line beyond the command's words


def test_only_reads_that_run_when_the_module_is_imported_count_and_a_manage_py_elsewhere_does_not():
    from secretshift.migration.images import reads_at_import

    names = {"get_secret", "has_secret"}
    assert reads_at_import('SECRET_KEY = get_secret("shop/app")["key"]\n', names)
    assert reads_at_import('DATABASES = {\n    "default": {\n        "PASSWORD": get_secret("db")["password"],\n'
                           '    },\n}\n', names)
    assert reads_at_import('class Stripe:\n    api_key = get_secret("stripe")\n', names)
    assert reads_at_import('def connect(password=get_secret("db")["password"]):\n    pass\n', names)
    assert reads_at_import('DEBUG = not has_secret("shop/debug")\n', names)
    assert not reads_at_import('def token():\n    return get_secret("api")["token"]\n', names)
    assert not reads_at_import('class C:\n    def key(self):\n        return get_secret("c")\n', names)
    assert not reads_at_import('get = lambda: get_secret("x")\n', names)
    assert not reads_at_import("this is not python (", names)


def test_a_manage_py_of_another_project_is_not_the_rewritten_one(tmp_path):
    from secretshift.migration.images import build_import_warnings

    write(tmp_path, {"Dockerfile": "FROM python:3.12\nCOPY . .\nRUN python tools/manage.py migrate\n",
                     "tools/manage.py": "", "shop/__init__.py": "", "shop/settings.py": ""})
    assert build_import_warnings(tmp_path, ["shop/settings.py"]) == []
    assert build_import_warnings(tmp_path, []) == []


def test_the_accessors_region_is_where_the_secrets_were_created_not_the_local_emulators(tmp_path):
    from types import SimpleNamespace

    from secretshift.migration.ledger import Ledger
    from secretshift.migration.rewrite import secrets_region

    ledger = Ledger.load(tmp_path)
    plan = SimpleNamespace(secrets=[SimpleNamespace(name="p/db"), SimpleNamespace(name="p/api")], region="eu-west-2")
    assert secrets_region(plan, ledger) == "eu-west-2"  # nothing created yet: the plan's
    ledger.secrets["p/db"] = {"arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:p/db-AbCdEf",
                              "endpoint": "local"}
    assert secrets_region(plan, ledger) == "eu-west-2"  # --local: the emulator's ARN says nothing
    ledger.secrets["p/api"] = {"arn": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:p/api-AbCdEf",
                               "endpoint": "aws"}
    assert secrets_region(plan, ledger) == "ap-south-1"
    assert secrets_region(SimpleNamespace(secrets=[], region=None), ledger) is None


def test_a_hash_pinned_requirements_file_gaining_an_unpinned_line_is_said_to_be_regenerated(tmp_path):
    write(tmp_path, {"requirements.txt": "django==4.2.11 \\\n    --hash=sha256:" + "ab" * 32 + "\n",
                     "app/settings.py": ""})
    res = deploy.declare_dependency(tmp_path, "boto3", files=["app/settings.py"])
    assert res.added == ["requirements.txt"]
    assert [n for n in res.notes if "--hash" in n] == [
        "requirements.txt pins every package with --hash: boto3 was added without one, which pip's hash-checking "
        "mode refuses: regenerate it with hashes (its lock tool's export, or pip-compile --generate-hashes)"]


def test_manage_py_names_the_settings_among_the_modules_that_read_at_import(tmp_path):
    """pygoat: the warning for RUN python3 /app/manage.py migrate named dockerized_labs/.../app.py (the
    first rewritten module under the folder), not pygoat/settings.py, which manage.py loads."""
    from secretshift.migration.images import build_import_warnings

    write(tmp_path, {"Dockerfile": "FROM python:3.12\nCOPY . /app\nRUN python3 /app/manage.py migrate\n",
                     "manage.py": "", "labs/lab/app.py": "", "pygoat/__init__.py": "", "pygoat/settings.py": ""})
    warns = build_import_warnings(tmp_path, ["labs/lab/app.py", "pygoat/settings.py"])
    assert len(warns) == 1 and "pygoat/settings.py now reads secrets" in warns[0]
