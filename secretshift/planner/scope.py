"""What a migration leaves alone, and what kind of credential a finding is. Pure.

- Tests and fixtures (``tests/``, ``test_*.py``, ``*_test.py``, ``conftest.py``, ``fixtures/`` ...)
  hold fake or test credentials: migrating them would make the test suite need AWS. They are
  reported, not migrated (``--include-tests`` migrates them).
- The development environment's configuration (``.env.development``, ``application-dev.yml``, the
  ``development:`` section of Rails' ``database.yml``) holds a developer's local values: reported,
  not migrated (the plan has one prefix, ``production`` by default, and a local database password is
  not a production secret; nor should local development need AWS).
- Publishable keys (Stripe ``pk_live_``/``pk_test_``, reCAPTCHA site keys, a Sentry DSN without a
  secret part) are meant to ship to browsers and clients: not migrated, not listed for rotation.
- A PEM private key is an SSH key, a TLS key or a signing key depending on its header and the name
  it is bound to; the rotation checklist must not call a TLS key an SSH key.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "fixtures", "fixture",
                       "testdata", "test_data", "test-data", "__fixtures__", "__mocks__", "e2e"})
_TEST_FILE = re.compile(r"(^test_.*\.py$|^.*_tests?\.py$|^tests?\.py$|^conftest\.py$|"
                        r"^.*\.(test|spec)\.[cm]?[jt]sx?$|^.*_spec\.rb$|^.*_test\.go$|^.*Tests?\.(java|kt|cs)$)")
_SENTRY_DSN = re.compile(r"^https?://[0-9a-f]{32}@[\w.-]+(?::\d+)?/(?:[\w.-]+/)*\d+/?$")
PUBLIC_FIELDS = frozenset({"publishable_key", "site_key", "public_key"})
_PUBLIC_SLUG = re.compile(r"(publishable|site-key|public-key)")


# folders such as unit-tests/, _integration-test/, smoke_tests/ (a kind of test, then test or tests)
# (and any <word>_tests / <word>-test folder: lemmy's api_tests, browser-tests, contract_tests)
_TEST_DIR_KIND = re.compile(r"^[_.-]*(?:unit|integration|functional|acceptance|system|smoke|e2e|load|perf)[_-]?"
                            r"tests?[_.-]*$|^[a-z0-9]+[_-]tests?$")
# a test runner's configuration (its environment variables and database are the test run's), a test
# data factory of Elixir/Ruby (ExMachina, factory_bot), and a CI workflow that runs tests
_TEST_RUNNER_FILE = re.compile(r"(?i)^(?:phpunit\.xml(?:\.dist)?|phpunit\.dist\.xml|cypress\.(?:json|env\.json|config\.[cm]?[jt]s)"
                               r"|playwright\.config\.[cm]?[jt]s|jest\.config\.[cm]?[jt]s|vitest\.config\.[cm]?[jt]s"
                               r"|karma\.conf\.js|factory\.exs?|factories\.(?:ex|exs|rb))$")
_TEST_WORKFLOW = re.compile(r"(?i)^(?:tests?|e2e|ci[-_]tests?)(?:[-_.][\w.-]*)?\.ya?ml$")
_TEST_SCRIPT = re.compile(r"^(?:.*[_-]tests?\.(?:sh|bash)|.*\.bats)$")
# configuration of the test environment: .env.test, application-test.yml, config/environments/test.rb,
# config/test.exs, settings.testing.json
_TEST_CONFIG = re.compile(r"(?i)^(?:\.env[.-](?:tests?|testing|ci|travis|unit-tests?|testing-ci|e2e|dusk|ci-[\w-]+)(?:\.local)?|(?:test|testing)\.(?:ya?ml|properties|json|toml|ini|"
                          r"cfg|conf|env|rb|exs)|.+[-_.](?:test|testing)\.(?:ya?ml|properties|json|toml|ini|cfg|conf|env))$")
# a configuration module named after its environment, in a folder of such modules (NodeGoat's
# config/env/test.js, Django's settings/dev.py): the folder decides, a lone test.js or dev.py elsewhere
# is not one
_ENV_MODULE = re.compile(r"(?i)^(?:(?P<dev>development|dev|local)|(?P<test>test|testing|ci))\.(?:js|cjs|mjs|ts|py|php|rb)$")
_CONFIG_DIRS = frozenset({"config", "configs", "conf", "settings", "env", "envs", "environments", "environment"})


# configuration of the development environment: .env.development, application-dev.yml,
# application-development.properties, config/environments/development.rb, config/dev.exs,
# appsettings.Development.json, docker-compose.dev.yml
_DEV_CONFIG = re.compile(r"(?i)^(?:Vagrantfile|\.env[.-](?:development|dev|local|dev\.docker|docker\.dev)(?:\.local)?|(?:development|dev)\.(?:ya?ml|properties|json|toml|ini|"
                         r"cfg|conf|env|rb|exs)|.+[-_.](?:development|dev)\.(?:ya?ml|properties|json|toml|ini|cfg|conf|env))$")


def _env_module(path: str) -> str | None:
    """"dev" or "test" for a configuration module named after its environment in a config folder."""
    p = PurePosixPath(path)
    m = _ENV_MODULE.match(p.name)
    if m is None or not p.parent.name or p.parent.name.lower() not in _CONFIG_DIRS:
        return None
    return "dev" if m.group("dev") else "test"


# folders of a development environment: VS Code's dev container, Vagrant's machine
_DEV_DIRS = frozenset({".devcontainer", ".vagrant", "vagrant"})
# a task that fills a development database with made-up records (lobsters' lib/tasks/fake_data.rake)
_DEV_SEED_FILE = re.compile(r"(?i)^(?:fake_?data|dev_?seeds?|sample_?data|demo_?data)\.(?:rake|rb|py|php|js|ts|exs?)$"
                            r"|^vagrant[_-][\w.-]*\.ya?ml$")  # a Vagrant machine's provisioning playbook


def is_development_path(path: str) -> bool:
    """A configuration file of the development environment (by file name, or a dev container's
    folder): a developer's local values, reported rather than migrated under the production prefix."""
    p = PurePosixPath(path)
    return bool(_DEV_CONFIG.match(p.name) or _DEV_SEED_FILE.match(p.name)) or _env_module(path) == "dev" \
        or any(part.lower() in _DEV_DIRS for part in p.parts[:-1])


def is_test_path(path: str) -> bool:
    """A file of a test suite or its fixtures (by folder or by file name)."""
    p = PurePosixPath(path)
    if any(part.lower() in TEST_DIRS or _TEST_DIR_KIND.match(part.lower()) for part in p.parts[:-1]):
        return True
    if ".github/workflows/" in path and _TEST_WORKFLOW.match(p.name):
        return True  # koel's .github/workflows/test-proxy-auth-e2e.yml
    parts = [x.lower() for x in p.parts[:-1]]
    if parts[:1] == [".ci"] or ("ci" in parts[1:] and "charts" in parts):
        return True  # redash's .ci/compose.ci.yaml; a Helm chart's ci/ values, which chart-testing installs
    return bool(_TEST_FILE.match(p.name) or _TEST_SCRIPT.match(p.name) or _TEST_CONFIG.match(p.name)
                or _TEST_RUNNER_FILE.match(p.name)) or _env_module(path) == "test"


# templates of configuration: ``.env.example``, ``config.sample.json``, ``settings.py.dist`` ... (never
# ``.env.defaults``, which dotenv-defaults loads, nor a CloudFormation ``*.template``; ``app.yml.template`` is one)
_EXAMPLE_FILE = re.compile(r"(?i)^(?:\.env\.(?:example|sample|template|dist|tpl|skel)|(?:example|sample|template)\.env"
                           r"|env\.(?:example|sample|template)|.+[._-](?:example|sample|dist|tpl)"
                           r"|.+[._-](?:example|sample)\.[a-z0-9]+|.+\.[a-z0-9]+\.template)$")


def is_example_path(path: str) -> bool:
    """A template of a configuration file: its values are examples a user copies, never what the program
    reads (``.env.example`` is not loaded; the variable is set where the program runs)."""
    return bool(_EXAMPLE_FILE.match(PurePosixPath(path).name))


def is_public(f: Any) -> bool:
    """A key meant to be public (publishable): never a secret to move or rotate."""
    if f.kind != "hardcoded":
        return False
    if (f.field or "") in PUBLIC_FIELDS or _PUBLIC_SLUG.search(f.slug or ""):
        return True
    v = f.value.reveal() if f.value is not None else ""
    # a Sentry DSN with only its public key: it only lets clients send events, and ships in every client
    return v.startswith(("pk_live_", "pk_test_")) or _SENTRY_DSN.match(v) is not None


def private_key_kind(value: str, symbol: str | None, path: str) -> str | None:
    """``ssh``, ``tls``, ``signing`` or ``private`` (no hint) for a PEM private key; None when ``value`` is not one."""
    head = value.lstrip()[:80].upper()
    if "PRIVATE KEY" not in head or "BEGIN" not in head:
        return None
    if "OPENSSH" in head or "PUTTY" in head:
        return "ssh"
    hint = f"{symbol or ''} {path}".lower()
    if re.search(r"ssh|deploy[_-]?key|id_rsa|id_ed25519|id_ecdsa|authorized", hint):
        return "ssh"
    if re.search(r"tls|ssl|https|cert|x509|server[_.-]?key|\.pem\b|\.key\b|\.crt\b", hint):
        return "tls"
    if re.search(r"jwt|sign|token|saml|oidc|apns|firebase|service[_-]?account|gcp|google|github[_-]?app", hint):
        return "signing"
    return "private"  # nothing says which: neither an SSH nor a TLS key by name


# a variable of another environment by its name: DEV_DATABASE_URL, TEST_DATABASE_URL (flasky's
# DevelopmentConfig and TestingConfig), DATABASE_URL_TEST; never CI_ (a pipeline's own tokens are real)
_ENV_VARIABLE = re.compile(r"^(?:(?P<dev>DEV|DEVELOPMENT)|(?P<test>TEST|TESTING))_[A-Z0-9_]+$"
                           r"|^[A-Z0-9_]+_(?:(?P<dev2>DEV|DEVELOPMENT)|(?P<test2>TEST|TESTING))$")


def environment_of_variable(name: str | None) -> str | None:
    """"development" or "test" for a variable named for that environment, else None."""
    m = _ENV_VARIABLE.match(name or "")
    if m is None:
        return None
    return "development" if (m.group("dev") or m.group("dev2")) else "test"


# continuous integration configuration: its service containers' databases are a test run's
_CI_FILE = re.compile(r"(?i)^(?:\.github/workflows/[^/]+\.ya?ml|\.gitlab-ci\.ya?ml|\.circleci/config\.ya?ml|"
                      r"\.travis\.ya?ml|azure-pipelines\.ya?ml|bitbucket-pipelines\.ya?ml|\.drone\.ya?ml|"
                      r"\.woodpecker(?:/[^/]+)?\.ya?ml|\.buildkite/[^/]+\.ya?ml|appveyor\.ya?ml)$")


def is_ci_config(path: str) -> bool:
    """A CI system's pipeline file (GitHub Actions workflows, .gitlab-ci.yml, CircleCI, Travis ...)."""
    return bool(_CI_FILE.match(path))


# documentation: prose and its code samples (READMEs, guides, docs sites), read by people, run by no one
_DOC_EXTS = (".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc", ".org", ".txt")
_DOC_DIRS = frozenset({"docs", "doc", "documentation", "examples", "example", "samples"})


def is_documentation_path(path: str) -> bool:
    """A document (by extension) or a file of a documentation or examples folder: its credentials are
    leaked if real (the checklist lists them) but no program reads them where they are."""
    p = PurePosixPath(path)
    if p.name.lower().endswith(_DOC_EXTS):
        return True
    return any(part.lower() in _DOC_DIRS for part in p.parts[:-1])
