"""JavaScript/TypeScript rewrites through tree-sitter: where await is valid, the sync fallback and the
display-only patch elsewhere, module systems, imports, and what is refused."""
from __future__ import annotations

import json

import pytest

from secretshift.codemods.deploy import Options
from secretshift.codemods.js import module_info, rewrite, with_dependency
from secretshift.codemods.js.rewrite import js_unescape


def files(**kw):
    return lambda rel: kw.get(rel)


def lit(kit, text, value, sid="shop/api/vendor", key="api_key", nth=0):
    return kit.hardcoded(text, value, sid, key, nth=nth, fp=f"L{nth}:{text.index(value)}")


def test_await_where_valid_sync_fallback_elsewhere(kit):
    k1, k2, k3, k4 = (kit.fake(seed=f"js{i}") for i in range(4))
    before = (f'"use strict";\nconst {{ Client }} = require("pg");\n\nconst top = "{k1}";\n'
              f'async function send(msg) {{\n  const auth = `Bearer {k2}`;\n  return post(auth, msg);\n}}\n'
              f'function sync() {{ return "{k3}"; }}\n'
              f'class A {{ key = "{k4}"; }}\n'
              'module.exports = { top, send, sync, A };\n')
    t = [lit(kit, before, k) for k in (k1, k2, k3, k4)]
    rw = rewrite(before, "srv/app.js", t, Options())
    assert rw.text.startswith('"use strict";\nconst { Client } = require("pg");\n'
                              'const { getSecretSync, getSecret } = require("./secretshift-secrets.cjs");\n')
    assert f'const top = getSecretSync("shop/api/vendor", "api_key");' in rw.text
    assert 'const auth = `Bearer ${await getSecret("shop/api/vendor", "api_key")}`;' in rw.text
    assert 'function sync() { return getSecretSync("shop/api/vendor", "api_key"); }' in rw.text
    assert 'class A { key = getSecretSync("shop/api/vendor", "api_key"); }' in rw.text
    assert [o.applicability for o in rw.outcomes] == ["unsafe", "safe", "unsafe", "unsafe"]
    assert "the top level of a CommonJS module" in rw.outcomes[0].note
    assert "inside function sync, which is not async" in rw.outcomes[2].note
    assert "class field" in rw.outcomes[3].note
    assert set(rw.extra_files) == {"srv/secretshift-secrets.cjs", "srv/package.json"}
    assert json.loads(rw.extra_files["srv/package.json"])["dependencies"] == {"@aws-sdk/client-secrets-manager": "^3.600.0"}
    for k in (k1, k2, k3, k4):
        assert k not in rw.text and k not in rw.diff


def test_await_only_gives_exact_patches_and_writes_nothing_there(kit):
    key = kit.fake(seed="patch")
    before = f'const key = "{key}";\nmodule.exports = {{ key }};\n'
    rw = rewrite(before, "a.js", [lit(kit, before, key)], Options(js_sync_fallback=False))
    assert rw.text == before and not rw.extra_files
    o = rw.outcomes[0]
    assert o.status == "patch" and o.applicability == "display-only" and "move this read into an async function" in o.note
    assert '+const key = await getSecret("shop/api/vendor", "api_key");' in o.patch
    assert '+const { getSecret } = require("./secretshift-secrets.cjs");' in o.patch and key not in o.patch


def test_esm_top_level_await_env_reads_and_parentheses(kit):
    before = ("import express from 'express';\n\nconst token = process.env.API_TOKEN;\n"
              "const pw = process.env['DB_PASSWORD'].trim();\nexport const n = process.env.API_TOKEN ** 2;\n")
    t = [kit.env(before, "process.env.API_TOKEN", "API_TOKEN", "shop/api/x", "token"),
         kit.env(before, "process.env['DB_PASSWORD']", "DB_PASSWORD", "shop/db/pg", "password"),
         kit.env(before, "process.env.API_TOKEN", "API_TOKEN", "shop/api/x", "token", nth=1)]
    t[2] = type(t[2])(**{**t[2].__dict__, "fingerprint": "third"})
    rw = rewrite(before, "web/server.js", t, Options(read=files(**{"web/package.json": '{"type": "module"}\n'})))
    assert rw.text == ("import express from 'express';\nimport { getSecret } from './secretshift-secrets.mjs';\n\n"
                       "const token = await getSecret('shop/api/x', 'token');\n"
                       "const pw = (await getSecret('shop/db/pg', 'password')).trim();\n"
                       "export const n = (await getSecret('shop/api/x', 'token')) ** 2;\n")
    assert {o.applicability for o in rw.outcomes} == {"safe"}
    assert rw.extra_files["web/package.json"] == \
        '{"type": "module", "dependencies": {"@aws-sdk/client-secrets-manager": "^3.600.0"}}\n'


def test_typescript_jsx_and_a_url_password(kit):
    pw, key = kit.fake(seed="ts-pw"), kit.fake(seed="ts-key")
    before = (f'import {{ Pool }} from "pg";\n\nexport async function db(): Promise<Pool> {{\n'
              f'  return new Pool({{ connectionString: "postgres://app:{pw}@db/app" }});\n}}\n'
              f'export async function Page() {{\n  return <Map apiKey="{key}" />;\n}}\n')
    read = files(**{"package.json": '{"type": "module"}', "tsconfig.json": '{"compilerOptions": {"module": "nodenext"}}'})
    rw = rewrite(before, "src/page.tsx", [lit(kit, before, pw, "shop/db/pg", "password"), lit(kit, before, key)],
                 Options(read=read))
    assert 'connectionString: `postgres://app:${await getSecret("shop/db/pg", "password")}@db/app`' in rw.text
    assert '<Map apiKey={await getSecret("shop/api/vendor", "api_key")} />' in rw.text
    assert 'import { getSecret } from "../secretshift-secrets.js";' in rw.text  # nodenext: .js specifier
    assert "secretshift-secrets.ts" in rw.extra_files and "export function getSecretSync" in rw.extra_files["secretshift-secrets.ts"]


def test_existing_import_is_extended_and_clashes_and_client_components_refused(kit):
    key = kit.fake(seed="merge")
    before = (f'import {{ getSecret }} from "./secretshift-secrets.mjs";\n'
              f'export function f() {{ return "{key}"; }}\n')
    rw = rewrite(before, "m.mjs", [lit(kit, before, key)], Options())
    assert rw.text.startswith('import { getSecret, getSecretSync } from "./secretshift-secrets.mjs";\n')
    clash = f'function getSecret() {{}}\nconst k = "{key}";\n'
    rw = rewrite(clash, "c.js", [lit(kit, clash, key)], Options())
    assert rw.text == clash and "already defined" in rw.outcomes[0].note
    client = f'"use client";\nexport const k = "{key}";\n'
    rw = rewrite(client, "c.jsx", [lit(kit, client, key)], Options())
    assert rw.text == client and "browser" in rw.outcomes[0].note


def test_module_system_detection():
    assert module_info("a.cjs", "import x from 'y'", files()).esm_syntax is False
    assert module_info("a.mjs", "", files()).tla is True
    esm = module_info("pkg/src/a.js", "export const a = 1", files(**{"pkg/package.json": '{"type":"module"}'}))
    assert (esm.tla, esm.accessor, esm.specifier) == (True, "pkg/secretshift-secrets.mjs", "../secretshift-secrets.mjs")
    bundled = module_info("web/a.js", "export const a = 1", files())
    assert bundled.esm_syntax and not bundled.tla and bundled.package_dir == "web" and not bundled.package_exists
    ts = module_info("a.ts", "export {}", files(**{"tsconfig.json": '{"compilerOptions": {"module": "commonjs"}} // c'}))
    assert ts.typescript and not ts.tla and ts.specifier == "./secretshift-secrets"
    # node-express-realworld: module esnext, target es2015: tsc refuses top-level await (TS1378)
    old_target = files(**{"tsconfig.json": '{"compilerOptions": {"module": "esnext", "target": "es2015"}}'})
    assert not module_info("src/auth.ts", "export {}", old_target).tla
    assert not module_info("src/auth.ts", "export {}", files(**{"tsconfig.json": '{"compilerOptions": {"module": "esnext"}}'})).tla
    new_target = files(**{"tsconfig.json": '{"compilerOptions": {"module": "esnext", "target": "ES2020"}}'})
    assert module_info("src/auth.ts", "export {}", new_target).tla


@pytest.mark.parametrize("raw, value", [("plain", "plain"), (r"a\"b\\c", 'a"b\\c'), (r"\x41\u0042\u{43}", "ABC"),
                                        (r"tab\tnl\n", "tab\tnl\n")])
def test_js_unescape(raw, value):
    assert js_unescape(raw) == value


def test_package_json_edit_keeps_its_formatting():
    before = '{\n    "name": "shop",\n    "dependencies": {\n        "pg": "^8.11.0"\n    },\n    "private": true\n}\n'
    after = with_dependency(before)
    assert after == before.replace('"pg": "^8.11.0"\n', '"pg": "^8.11.0",\n        "@aws-sdk/client-secrets-manager": "^3.600.0"\n')
    assert with_dependency(after) is None
    assert json.loads(with_dependency('{\n  "name": "x"\n}\n'))["dependencies"] == {"@aws-sdk/client-secrets-manager": "^3.600.0"}


def test_env_writes_and_escaped_strings_are_left_alone_the_rest_is_rewritten(kit):
    key = kit.fake(seed="esc")
    before = ('async function t() {\n  const old = process.env.API_KEY;\n  process.env.API_KEY = "x";\n'
              '  delete process.env.API_KEY;\n  return old;\n}\n'
              f'const pem = "-----BEGIN KEY-----\\n{key}\\n-----END KEY-----";\n')
    reads = [kit.env(before, "process.env.API_KEY", "API_KEY", "shop/api/x", "key", nth=i) for i in range(3)]
    reads = [type(r)(**{**r.__dict__, "fingerprint": f"r{i}"}) for i, r in enumerate(reads)]
    raw = "-----BEGIN KEY-----\\n" + key + "\\n-----END KEY-----"
    pem = kit.hardcoded(before, raw, "shop/tls/key", None, fp="pem")
    rw = rewrite(before, "t.js", reads + [pem], Options())
    assert [o.status for o in rw.outcomes] == ["applied", "skipped", "skipped", "skipped"]
    assert "const old = await getSecret(\"shop/api/x\", \"key\");" in rw.text
    assert 'process.env.API_KEY = "x";' in rw.text and "delete process.env.API_KEY;" in rw.text
    assert "escape sequences" in rw.outcomes[3].note and key in rw.text  # left for a human, not half-migrated


def test_url_whose_user_scheme_and_password_are_one_word_gets_the_password_replaced(kit):
    # voting-app shape: 'postgres://postgres:postgres@db/postgres' -- the value occurs four times in the
    # string; the one at the finding's column (the password) is the one replaced
    w = kit.fake("{{rand:lower:8}}", seed="same-word")
    before = f"var pool = new Pool({{\n  connectionString: '{w}://{w}:{w}@db/{w}'\n}});\n"
    t = lit(kit, before, w, "shop/db/pg", "password", nth=2)
    rw = rewrite(before, "result/server.js", [t], Options())
    assert f"connectionString: `{w}://{w}:${{getSecretSync('shop/db/pg', 'password')}}@db/{w}`" in rw.text


def test_the_accessor_names_the_secrets_region_an_unedited_older_copy_is_refreshed_an_edited_one_kept(kit,
                                                                                                    monkeypatch):
    import hashlib

    from secretshift.codemods.js import project
    from secretshift.codemods.js.project import accessor_source

    k = kit.fake(seed="jsr")
    before = f'const key = "{k}";\nmodule.exports = {{ key }};\n'
    acc, pkg = "srv/secretshift-secrets.cjs", '{"private": true}\n'

    def extra(existing, region="eu-west-2"):
        rw = rewrite(before, "srv/app.js", [lit(kit, before, k)],
                     Options(region=region, read=files(**{"srv/package.json": pkg, acc: existing})))
        assert rw.applied
        return rw.extra_files.get(acc)

    written = extra(None)
    assert 'const FALLBACK_REGION = "eu-west-2";' in written
    assert extra(written) is None  # already there
    assert extra(written, "us-east-1") is None  # its secrets are in eu-west-2
    assert extra(accessor_source("cjs")) == written  # written before the region was known
    edited = accessor_source("cjs") + "// edited\n"
    assert extra(edited) is None
    old = "// Generated by secretshift (an earlier version)\nfunction getSecret() {}\n"
    monkeypatch.setattr(project, "SUPERSEDED", {hashlib.sha256(old.encode()).hexdigest()})
    assert extra(old) == written
    assert 'const FALLBACK_REGION: string | undefined = "eu-west-2";' in accessor_source("ts", "eu-west-2")
    assert "const FALLBACK_REGION = undefined;" in accessor_source("esm", "not a region")


@pytest.mark.parametrize("locks, hint", [
    ({}, "run npm install"),
    ({"srv/yarn.lock": ""}, "refresh srv/yarn.lock (cd srv && yarn install) before a locked install (yarn install --frozen-lockfile)"),
    ({"package-lock.json": "{}"}, "refresh package-lock.json (npm install) before a locked install (npm ci)"),
    ({"srv/pnpm-lock.yaml": "", "package-lock.json": "{}"},
     "refresh srv/pnpm-lock.yaml (cd srv && pnpm install) before a locked install (pnpm install --frozen-lockfile)"),
])
def test_the_package_gaining_the_sdk_names_its_lock_and_the_command_that_refreshes_it(kit, locks, hint):
    k = kit.fake(seed="jslock")
    before = f'const key = "{k}";\nmodule.exports = {{ key }};\n'
    rw = rewrite(before, "srv/app.js", [lit(kit, before, k)],
                 Options(read=files(**{"srv/package.json": '{"private": true}\n', **locks})))
    assert rw.messages == [f"srv/package.json: gains @aws-sdk/client-secrets-manager: {hint}"]


def _env(text, var, nth=0, sid="shop/api/twilio"):
    from secretshift.codemods.targets import RewriteTarget

    needle = f"process.env.{var}"
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line, col = text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1
    return RewriteTarget(line, col, line, col + len(needle), "env", sid, var.lower(), env_var=var,
                         rule_id="SS210", fingerprint=f"{var}:{nth}")


def test_the_accessor_require_goes_before_the_first_top_level_statement_using_it():
    """hackathon-starter: a require after the first use throws "Cannot access 'getSecretSync' before
    initialization" when the module loads (a require is not hoisted)."""
    from secretshift.codemods.js.rewrite import use_before_binding

    before = ("#!/usr/bin/env node\n'use strict';\n// the API controllers\nconst path = require('path');\n"
              "const c = require('./lib')(process.env.TWILIO_SID, process.env.TWILIO_TOKEN);\n"
              "const util = require('util');\n")
    rw = rewrite(before, "index.js", [_env(before, "TWILIO_SID"), _env(before, "TWILIO_TOKEN")], Options())
    assert rw.text == ("#!/usr/bin/env node\n'use strict';\n// the API controllers\nconst path = require('path');\n"
                       "const { getSecretSync } = require('./secretshift-secrets.cjs');\n"
                       "const c = require('./lib')(getSecretSync('shop/api/twilio', 'twilio_sid'), "
                       "getSecretSync('shop/api/twilio', 'twilio_token'));\nconst util = require('util');\n")
    assert use_before_binding(rw.text, "index.js") is None
    # the first statement is the use: the require goes after the shebang, the directive and the comment
    first = "'use strict';\n// c\nconst c = make(process.env.TWILIO_SID);\nconst util = require('util');\n"
    rw = rewrite(first, "index.js", [_env(first, "TWILIO_SID")], Options())
    assert rw.text.startswith("'use strict';\n// c\nconst { getSecretSync } = require('./secretshift-secrets.cjs');\n"
                              "const c = make(")


def test_a_function_declaration_called_before_the_requires_counts_as_a_use_there():
    from secretshift.codemods.js.rewrite import use_before_binding

    before = ("const a = require('a');\nconst token = read();\nconst b = require('b');\n"
              "function read() { return process.env.TOKEN; }\nmodule.exports = { token };\n")
    rw = rewrite(before, "lib.js", [_env(before, "TOKEN")], Options())
    assert rw.text.startswith("const a = require('a');\nconst { getSecretSync } = require('./secretshift-secrets.cjs');"
                              "\nconst token = read();\n")
    assert use_before_binding(rw.text, "lib.js") is None
    # an exported function nobody calls at load: the require stays after the file's requires
    lazy = "const a = require('a');\nexports.read = function () { return 1; };\nconst b = require('b');\n" \
           "function read() { return process.env.TOKEN; }\n"
    rw = rewrite(lazy, "lib.js", [_env(lazy, "TOKEN")], Options())
    assert "const b = require('b');\nconst { getSecretSync } = require('./secretshift-secrets.cjs');\nfunction read" \
        in rw.text


def test_typescript_import_goes_before_the_first_use_and_a_late_accessor_import_is_not_merged_into():
    read = files(**{"package.json": '{"name": "svc"}', "tsconfig.json": '{"compilerOptions": {"module": "commonjs"}}'})
    before = ('import express from "express";\nexport const client = makeClient(process.env.API_KEY);\n'
              'import { Pool } from "pg";\n')
    rw = rewrite(before, "src/app.ts", [_env(before, "API_KEY")], Options(read=read))
    assert rw.text == ('import express from "express";\nimport { getSecretSync } from "../secretshift-secrets";\n'
                       'export const client = makeClient(getSecretSync("shop/api/twilio", "api_key"));\n'
                       'import { Pool } from "pg";\n')
    late = ('const a = require("a");\nconst key = make(process.env.API_KEY);\n'
            'const { getSecret } = require("./secretshift-secrets.cjs");\n')
    rw = rewrite(late, "svc.js", [_env(late, "API_KEY")], Options())
    assert rw.text == ('const a = require("a");\nconst { getSecretSync } = require("./secretshift-secrets.cjs");\n'
                       'const key = make(getSecretSync("shop/api/twilio", "api_key"));\n'
                       'const { getSecret } = require("./secretshift-secrets.cjs");\n')


def test_use_before_binding_names_the_lines_and_the_verify_step_reports_it(tmp_path):
    import subprocess

    from secretshift.codemods.js.rewrite import use_before_binding
    from secretshift.migration.verify import parse_problem

    bad = "const c = make(getSecretSync('a'));\nconst { getSecretSync } = require('./secretshift-secrets.cjs');\n"
    assert use_before_binding(bad, "a.js") == \
        "line 1 uses getSecretSync before line 2 binds it (Cannot access 'getSecretSync' before initialization)"
    ok = "function f() { return getSecretSync('a'); }\nconst { getSecretSync } = require('./x.cjs');\nf();\n"
    assert use_before_binding(ok, "a.js") is None
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.js").write_text(bad)
    assert parse_problem(tmp_path, "a.js") == "a.js: " + use_before_binding(bad, "a.js")
    (tmp_path / "b.js").write_text(ok)
    assert parse_problem(tmp_path, "b.js") is None


def test_a_rewrite_that_would_still_read_the_accessor_before_its_require_is_refused():
    """The file already requires getSecretSync, but after the place to rewrite: binding it twice does not
    parse, reading it there throws at load; the file is left as it is, with the reason."""
    before = ('const a = require("a");\nconst key = make(process.env.API_KEY);\n'
              'const { getSecretSync } = require("./secretshift-secrets.cjs");\n')
    rw = rewrite(before, "svc.js", [_env(before, "API_KEY")], Options())
    assert rw.text == before and not rw.extra_files
    assert [o.status for o in rw.outcomes] == ["skipped"]
    assert rw.outcomes[0].note == ("rewrite refused: the result would throw at load (line 2 uses getSecretSync "
                                   "before line 3 binds it (Cannot access 'getSecretSync' before initialization))")


def test_a_literal_under_a_const_assertion_is_left_with_the_reason(kit):
    """QA (hoppscotch): `"..." as const` became `(await getSecret(...)) as const`, which tsc refuses
    (TS1355: a const assertion needs a literal). The same value without the assertion is rewritten."""
    k = kit.fake(seed="asconst")
    before = f'export const A = "{k}" as const;\nexport const B = "{k}";\n'
    rw = rewrite(before, "src/errors.ts", [lit(kit, before, k, nth=0), lit(kit, before, k, nth=1)], Options())
    assert f'export const A = "{k}" as const;' in rw.text
    assert 'export const B = getSecretSync("shop/api/vendor", "api_key");' in rw.text or \
           'export const B = await getSecret("shop/api/vendor", "api_key");' in rw.text
    assert any("const assertion" in (o.note or "") for o in rw.outcomes)
