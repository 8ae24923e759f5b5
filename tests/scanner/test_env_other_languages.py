"""SS211 / SS212: secret environment reads, and their literal fallbacks, in the languages other than
Python and JavaScript (Laravel's env() in BookStack and akaunting, ENV[...] in rubygems.org,
os.Getenv in pulumi/examples' Go handlers, std::env::var in lemmy)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.scan import ScanOptions, scan_text

RULESET = load_ruleset()
# a fake credential, built at test time (realistic shape and entropy, never a literal in the repository)
PW = "Zq7" + "vR2m" + "Kx9p" + "Lw4s"


def found(text: str, path: str, opts: ScanOptions | None = None):
    return [(f.rule_id, f.line, f.symbol, f.kind) for f in scan_text(text, path, RULESET, opts, warn=lambda m: None)
            if f.rule_id in ("SS211", "SS212")]


@pytest.mark.parametrize("path,text,name", [
    ("main.go", 'pw := os.Getenv("DB_PASSWORD")\n', "DB_PASSWORD"),
    ("main.go", 'v, ok := os.LookupEnv("GITHUB_TOKEN")\n', "GITHUB_TOKEN"),
    ("cfg.go", 'type C struct {\n\tKey string `envconfig:"STRIPE_SECRET_KEY" required:"true"`\n}\n', "STRIPE_SECRET_KEY"),
    ("App.java", 'String t = System.getenv("SLACK_BOT_TOKEN");\n', "SLACK_BOT_TOKEN"),
    ("App.scala", 'val pw = sys.env("DB_PASSWORD")\n', "DB_PASSWORD"),
    ("build.gradle", 'password = System.getenv("MAVEN_PASSWORD")\n', "MAVEN_PASSWORD"),
    ("Startup.cs", 'var k = Environment.GetEnvironmentVariable("SENDGRID_API_KEY");\n', "SENDGRID_API_KEY"),
    ("Program.fs", 'let k = Environment.GetEnvironmentVariable "JWT_SECRET"\n', "JWT_SECRET"),
    ("deploy.ps1", '$k = [Environment]::GetEnvironmentVariable("NUGET_API_KEY")\n', "NUGET_API_KEY"),
    ("config/initializers/s3.rb", "secret_access_key: ENV['AWS_SECRET_ACCESS_KEY']\n", "AWS_SECRET_ACCESS_KEY"),
    ("Rakefile", 'token = ENV.fetch "RUBYGEMS_API_KEY"\n', "RUBYGEMS_API_KEY"),
    ("config/mail.php", "<?php\nreturn ['password' => env('MAIL_PASSWORD')];\n", "MAIL_PASSWORD"),
    ("index.php", "<?php\n$pw = getenv('MYSQL_PASSWORD');\n", "MYSQL_PASSWORD"),
    ("index.php", "<?php\n$s = $_SERVER['APP_SECRET'];\n", "APP_SECRET"),
    ("src/db.rs", 'let url = env::var_os("DATABASE_URL");\n', "DATABASE_URL"),
    ("src/db.rs", 'let k = option_env!("API_KEY");\n', "API_KEY"),
    ("config/runtime.exs", 'token = System.get_env "GITHUB_TOKEN"\n', "GITHUB_TOKEN"),
    ("main.cpp", 'auto t = std::getenv("AUTH_TOKEN");\n', "AUTH_TOKEN"),
    ("init.lua", 'local pw = os.getenv("REDIS_PASSWORD")\n', "REDIS_PASSWORD"),
    ("app.R", 'key <- Sys.getenv("OPENAI_API_KEY")\n', "OPENAI_API_KEY"),
    ("lib/main.dart", "final k = Platform.environment['FIREBASE_API_KEY'];\n", "FIREBASE_API_KEY"),
    ("App.swift", 'let t = ProcessInfo.processInfo.environment["GITHUB_TOKEN"]\n', "GITHUB_TOKEN"),
    ("main.go", 'secret := mustGetenv("SESSION_SECRET")\n', "SESSION_SECRET"),
    # BookStack's app.php: a CSP list ('https://*.youtube.com') above the read opens no comment
    ("app/Config/app.php", "<?php\n$csp = 'https://*.youtube.com https://*.vimeo.com';\n$k = env('APP_KEY');\n", "APP_KEY"),
    ("src/Kernel.php", "<?php\n#[Route('/x')]\nfunction f() { return getenv('APP_SECRET'); }\n", "APP_SECRET"),
    ("lib/a.rb", 'url = "http://x/#top"\ntoken = ENV["GITHUB_TOKEN"]\n', "GITHUB_TOKEN"),
    ("app/jobs/hook.rb", 'h = { "Authorization" => "Bearer #{ENV[\'HOOK_RELAY_API_KEY\']}" }\n', "HOOK_RELAY_API_KEY"),
    ("Config.kt", 'val k = getEnvOrDefault("PAYPAL_CLIENT_SECRET", null)\n', "PAYPAL_CLIENT_SECRET"),
])
def test_standard_reads_and_helpers_are_found(path, text, name):
    assert found(text, path) == [("SS211", text.count("\n", 0, text.index(name)) + 1, name, "env")]


@pytest.mark.parametrize("path,text", [
    ("main.go", 'port := os.Getenv("PORT")\n'),  # not a secret's name
    ("main.go", '\t// token := os.Getenv("GITHUB_TOKEN")\n'),
    ("main.go", '/*\n  key := os.Getenv("API_KEY")\n*/\n'),
    ("main.go", '/* old:\nkey := os.Getenv("API_KEY") */\n'),
    ("index.php", "<?php\n# $k = env('APP_KEY');\n"),
    ("lib/a.rb", 'x = 1 # ENV["GITHUB_TOKEN"]\n'),
    ("init.lua", '-- local pw = os.getenv("REDIS_PASSWORD")\n'),
    # spree: a message that names the variable; monica: a variable that names a file of secrets
    ("lib/engine.rb", 'raise "Set jwt_secret_key, or ENV[\'JWT_SECRET_KEY\'] "\n'),
    ("config/cache.php", "<?php\n$s = json_decode(file_get_contents(env('APP_SECRETS')), true);\n"),
    ("main.go", 'b, _ := os.ReadFile(os.Getenv("DB_PASSWORD_FILE_X"))\n'),
    ("config/auth.php", "<?php\n'passwords' => env('AUTH_PASSWORD_BROKER', 'users'),\n"),
    ("config/auth.php", "<?php\n'table' => env('AUTH_PASSWORD_RESET_TOKEN_TABLE', 'password_resets'),\n"),
    ("main.go", 'os.Setenv("API_TOKEN", tok)\n'),
    ("main.go", 'func getEnv(key, fallback string) string {\n'),
    ("spec/helper.rb", 'ENV["DB_PASSWORD"] = "x"\n'),
    ("spec/helper.rb", 'ENV["API_TOKEN"] ||= "x"\n'),
    ("app.rb", '# ENV.fetch("GITHUB_TOKEN")\n'),
    ("index.php", "<?php\n$_ENV['APP_SECRET'] = $value;\n"),
    ("index.php", "<?php\nputenv('API_KEY=');\n"),
    ("index.php", "<?php\n$x = $this->env('API_KEY');\n"),  # a method called env, not Laravel's helper
    ("main.c", 'setenv("AUTH_TOKEN", t, 1);\n'),
    ("main.go", 'readme := "see os.Getenv"\n'),
    ("App.java", 'String home = System.getenv("HOME");\n'),
    ("main.go", 'if hasEnv("API_KEY") {\n'),
])
def test_writes_comments_definitions_and_plain_names_are_not_reads(path, text):
    assert found(text, path) == []


def test_a_read_inside_a_python_or_javascript_file_stays_with_their_own_rules():
    assert found('key = getEnv("API_KEY")\n', "app.py") == []
    assert found('const k = getEnv("API_KEY");\n', "app.js") == []


def test_the_reported_expression_hides_the_literal_default():
    text = f"<?php\nreturn ['password' => env('DB_PASSWORD', '{PW}')];\n"
    fs = [f for f in scan_text(text, "config/database.php", RULESET, None, warn=lambda m: None)]
    read = next(f for f in fs if f.rule_id == "SS211")
    assert read.expression == "env('DB_PASSWORD', \"***\")"
    assert PW not in json.dumps([f.to_dict() for f in fs])  # only a mask and a fingerprint leave


@pytest.mark.parametrize("path,text", [
    ("config/database.php", "<?php\n'password' => env('DB_PASSWORD', '{pw}'),\n"),
    ("main.go", 'pw := getEnv("POSTGRES_PASSWORD", "{pw}")\n'),
    ("App.java", 'String k = System.getenv().getOrDefault("API_KEY", "{pw}");\n'),
    ("Program.cs", 'var s = Environment.GetEnvironmentVariable("JWT_SECRET") ?? "{pw}";\n'),
    ("App.kt", 'val pw = System.getenv("DB_PASSWORD") ?: "{pw}"\n'),
    ("app.rb", 'token = ENV.fetch("SLACK_BOT_TOKEN") {{ "{pw}" }}\n'),
    ("app.rb", 'token = ENV["SLACK_BOT_TOKEN"] || "{pw}"\n'),
    ("config/initializers/mail.rb", 'pw = ENV["SMTP_PASSWORD"].presence || "{pw}"\n'),
    ("app.rb", "token = ENV.fetch('SLACK_BOT_TOKEN', '{pw}')\n"),
    ("src/main.rs", 'let k = env::var("SESSION_SECRET").unwrap_or("{pw}".to_string());\n'),
    ("src/main.rs", 'let k = env::var("SESSION_SECRET").unwrap_or_else(|_| String::from("{pw}"));\n'),
    ("config/runtime.exs", 'k = System.get_env("SECRET_KEY_BASE", "{pw}")\n'),
    ("deploy.pl", 'my $pw = $ENV{{DB_PASSWORD}} // "{pw}";\n'),
    ("config.go", 'type C struct {{\n\tPassword string `envconfig:"DB_PASSWORD" default:"{pw}"`\n}}\n'),
    ("config.go", 'type C struct {{\n\tKey string `envDefault:"{pw}" env:"API_KEY"`\n}}\n'),
])
def test_the_literal_fallback_of_a_secret_read_is_a_hardcoded_credential(path, text):
    text = text.format(pw=PW)
    fs = [f for f in scan_text(text, path, RULESET, ScanOptions(root=Path("."), keep_values=True), warn=lambda m: None)
          if f.kind == "hardcoded"]
    assert [f.value.reveal() for f in fs] == [PW], fs
    assert fs[0].line == text.count("\n", 0, text.index(PW)) + 1


@pytest.mark.parametrize("path,text", [
    ("config/database.php", "<?php\n'password' => env('DB_PASSWORD', ''),\n"),
    ("config/database.php", "<?php\n'password' => env('DB_PASSWORD', 'changeme'),\n"),
    ("config/database.php", "<?php\n'port' => env('DB_PORT', '{pw}'),\n"),  # the name is no secret's
    ("main.go", 'pw := os.Getenv("DB_PASSWORD") // "{pw}" in development\n'),
    ("main.c", 'char *t = getenv("AUTH_TOKEN") || "{pw}";\n'),  # C has no fallback operator
])
def test_no_fallback_no_finding(path, text):
    text = text.format(pw=PW)
    assert [f for f in scan_text(text, path, RULESET, None, warn=lambda m: None) if f.rule_id == "SS212"] == []


def test_the_cli_reports_reads_only_under_fail_on_any(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "services.php").write_text(
        "<?php\n/**\n * Do not edit this file unless you're happy to maintain any changes yourself.\n */\n"
        "return ['stripe' => ['secret' => env('STRIPE_SECRET')]];\n")
    run = [sys.executable, "-m", "secretshift", "scan", str(tmp_path), "--format", "json"]
    plain = subprocess.run(run, capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr  # an env read alone does not fail the default gate
    assert [(f["rule_id"], f["symbol"], f["line"]) for f in json.loads(plain.stdout)["findings"]] == [
        ("SS211", "STRIPE_SECRET", 5)]
    strict = subprocess.run(run + ["--fail-on", "any"], capture_output=True, text=True)
    assert strict.returncode == 1


@pytest.mark.parametrize("path,text,expected", [
    ("src/main/resources/application.properties", "spring.datasource.password=${DB_PASSWORD}\n", ["DB_PASSWORD"]),
    ("src/main/resources/application-mysql.properties", "spring.datasource.password=${MYSQL_PASS:petclinic}\n",
     ["MYSQL_PASS"]),
    ("config/src/main/resources/shared/account-service.yml",
     "security:\n  oauth2:\n    client:\n      clientSecret: ${ACCOUNT_SERVICE_PASSWORD}\n", ["ACCOUNT_SERVICE_PASSWORD"]),
    ("auth/src/main/resources/bootstrap.yml", "spring:\n  cloud:\n    config:\n      password: ${CONFIG_SERVICE_PASSWORD}\n",
     ["CONFIG_SERVICE_PASSWORD"]),
    ("src/main/resources/application.properties", "# spring.datasource.password=${DB_PASSWORD}\n", []),
    ("src/main/resources/application.properties", "spring.datasource.username=${DB_USER}\n", []),
    ("src/main/resources/application.yml", "jwt:\n  secret: ${app.jwt.secret}\n", []),  # another property
    ("docker-compose.yml", "services:\n  db:\n    environment:\n      PASSWORD: ${DB_PASSWORD}\n", []),  # compose's own
    ("deploy/values.yaml", "password: ${DB_PASSWORD}\n", []),  # not a JVM application's configuration
])
def test_spring_placeholders_read_the_environment(path, text, expected):
    assert [f.symbol for f in scan_text(text, path, RULESET, None, warn=lambda m: None) if f.rule_id == "SS213"] == expected


@pytest.mark.parametrize("path,head,tail", [
    ("src/main/resources/application.properties", "spring.datasource.password=", "\n"),
    ("src/main/resources/application.yml", "spring:\n  datasource:\n    password: ", "\n"),
])
def test_a_spring_placeholders_default_is_the_credential_it_falls_back_to(path, head, tail):
    text = head + "${DB_PASSWORD:" + PW + "}" + tail
    fs = [f for f in scan_text(text, path, RULESET, ScanOptions(root=Path("."), keep_values=True), warn=lambda m: None)
          if f.kind == "hardcoded"]
    assert [(f.value.reveal(), f.symbol, f.end_column - f.column) for f in fs] == [(PW, "DB_PASSWORD", len(PW))]


def test_a_shell_substring_expansion_is_no_default():
    assert scan_text("echo ${PASSWORD:0:4}\n", "run.sh", RULESET, None, warn=lambda m: None) == []


@pytest.mark.parametrize("path,text,expected", [
    ("config/database.yml", 'production:\n  password: <%= ENV.fetch("POSTGRES_PASSWORD") { nil } %>\n', ["POSTGRES_PASSWORD"]),
    ("config/storage.yml", "r2:\n  secret_access_key: <%= ENV['CLOUDFLARE_SECRET_ACCESS_KEY'] %>\n",
     ["CLOUDFLARE_SECRET_ACCESS_KEY"]),
    ("app/views/settings/_synth.html.erb", '<% if ENV["SYNTH_API_KEY"].present? %>\n<p>on</p>\n<% end %>\n',
     ["SYNTH_API_KEY"]),
    ("app/views/a.html.erb", '<p>Set ENV["SYNTH_API_KEY"] to enable it.</p>\n', []),  # text, not a tag's Ruby
    ("config/database.yml", 'production:\n  host: <%= ENV["DB_HOST"] %>\n', []),
])
def test_ruby_inside_erb_tags_reads_the_environment(path, text, expected):
    assert [f.symbol for f in scan_text(text, path, RULESET, None, warn=lambda m: None) if f.rule_id == "SS211"] == expected


def test_a_literal_fallback_inside_an_erb_tag_is_found_at_its_place():
    text = 'production:\n  password: <%= ENV.fetch("POSTGRES_PASSWORD") { "' + PW + '" } %>\n'
    fs = [f for f in scan_text(text, "config/database.yml", RULESET, ScanOptions(root=Path("."), keep_values=True),
                               warn=lambda m: None) if f.kind == "hardcoded"]
    assert [(f.value.reveal(), f.line, f.column) for f in fs] == [(PW, 2, text.split("\n")[1].index(PW) + 1)]


@pytest.mark.parametrize("name", ["GOOGLE_SERVICE_ACCOUNT_KEY", "GCP_SA_KEY", "AZURE_STORAGE_ACCOUNT_KEY",
                                  "ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY", "SLACK_WEBHOOK_URL"])
def test_compound_key_names_are_secrets(name):
    assert found(f'k := os.Getenv("{name}")\n', "main.go") == [("SS211", 1, name, "env")]


@pytest.mark.parametrize("path,text,expected", [
    ("tests/InstallTest.php", "<?php\nunset($_ENV['DATABASE_URL'], $_SERVER['DATABASE_URL']);\n", []),
    ("config/pghero.yml", "databases:\n  # primary:\n  #   url: <%= ENV['PGHERO_DATABASE_URL'] %>\n", []),
    ("config/x.yml", "a: <%# ENV['API_TOKEN'] %>\n", []),  # an ERB comment
    ("docs/secrets.md", "```yaml\npassword: <%= ENV['DB_PASSWORD'] %>\n```\n", []),  # a document's example
    ("rust/main.rs", 'let d = std::env::var("CREDENTIALS_DIRECTORY");\n', []),  # systemd's directory
])
def test_unset_commented_erb_documents_and_directories_are_no_reads(path, text, expected):
    assert [f.symbol for f in scan_text(text, path, RULESET, None, warn=lambda m: None) if f.kind == "env"] == expected


@pytest.mark.parametrize("path,text,expression", [
    ("app/jobs/hook.rb", 'h = "Bearer #{ENV[\'HOOK_RELAY_API_KEY\']}"\n', "ENV['HOOK_RELAY_API_KEY']"),
    ("App.java", 'f(System.getenv("JWT_SECRET"));\n', 'System.getenv("JWT_SECRET")'),
    ("config/app.php", "<?php\n$k = env('APP_KEY', 'x');\n", "env('APP_KEY', \"***\")"),
])
def test_the_expression_is_the_read_and_nothing_after_it(path, text, expression):
    assert [f.expression for f in scan_text(text, path, RULESET, None, warn=lambda m: None) if f.kind == "env"] == [
        expression]


def test_a_go_struct_tag_reads_its_namespaced_name_and_a_flag_field_reads_no_secret():
    """QA (remark42, go-flags): `Telegram TelegramGroup `env-namespace:"TELEGRAM"`` makes the
    struct's `env:"TOKEN"` read TELEGRAM_TOKEN, nested namespaces add up (AUTH_GOOGLE_CSEC), and an
    inline struct's namespace follows its closing brace; caarlos0/env's envPrefix is taken as written.
    A bool or a duration field reads no credential whatever its name (LOGIN_AUTH, SECRET_PER_SITE)."""
    go = (
        'package cmd\n'
        'type Opts struct {\n'
        '\tTelegram TelegramGroup `group:"telegram" env-namespace:"TELEGRAM"`\n'
        '\tAuth struct {\n'
        '\t\tGoogle AuthGroup `group:"google" env-namespace:"GOOGLE"`\n'
        '\t\tSameSite string `long:"same-site" env:"SAME_SITE"`\n'
        '\t} `group:"auth" env-namespace:"AUTH"`\n'
        '\tStore struct {\n'
        '\t\tPassword string `env:"PASSWORD"`\n'
        '\t} `envPrefix:"STORE_"`\n'
        '}\n'
        'type TelegramGroup struct {\n'
        '\tToken   string        `long:"token" env:"TOKEN"`\n'
        '\tTimeout time.Duration `long:"timeout" env:"TOKEN_TIMEOUT"`\n'
        '}\n'
        'type AuthGroup struct {\n'
        '\tCID  string `long:"cid" env:"CID"`\n'
        '\tCSEC string `long:"csec" env:"CSEC"`\n'
        '\tLoginAuth bool `long:"login_auth" env:"LOGIN_AUTH"`\n'
        '\tSecretPerSite bool `env:"SECRET_PER_SITE"`\n'
        '}\n'
    )
    assert found(go, "app/cmd/server.go") == [
        ("SS211", 9, "STORE_PASSWORD", "env"), ("SS211", 13, "TELEGRAM_TOKEN", "env"),
        ("SS211", 18, "AUTH_GOOGLE_CSEC", "env")]


def test_a_rust_clap_flag_field_reads_no_secret():
    """QA (lldap): `#[clap(long, env = "LLDAP_FORCE_UPDATE_PRIVATE_KEY")] force_update_private_key:
    Option<bool>` is a switch, not a key; the next field, a String, is a read."""
    rs = ('#[derive(Parser)]\npub struct Opts {\n'
          '    /// Force update of the private key.\n'
          '    #[clap(long, env = "APP_ROTATE_PRIVATE_KEY")]\n    pub rotate_private_key: Option<bool>,\n'
          '    #[clap(long, env = "APP_JWT_SECRET")]\n    pub jwt_secret: Option<String>,\n}\n')
    assert found(rs, "src/cli.rs") == [("SS211", 6, "APP_JWT_SECRET", "env")]
