"""Credential forms outside name = value assignments: SQL, command lines, connection strings in
every driver syntax. One finding per value (the format rule wins the overlap with the name rules),
with the value exactly delimited, in docs, scripts and code strings alike."""
from __future__ import annotations

import pytest

from secretshift.scanner.samples import expand

from scan_helpers import RULES, values as _found  # noqa: E402,F401

PW = expand("{{rand:alnum:14}}", "forms")


@pytest.mark.parametrize("text,path,rule", [
    (f"CREATE USER 'app'@'%' IDENTIFIED BY '{PW}';", "init.sql", "SS620"),
    (f"ALTER ROLE app WITH LOGIN PASSWORD '{PW}';", "migrate.sql", "SS621"),
    (f'cur.execute("ALTER USER app WITH PASSWORD \'{PW}\'")', "setup.py", "SS621"),
    (f"SET PASSWORD FOR 'root'@'localhost' = PASSWORD('{PW}');", "README.md", "SS622"),
    (f"mysqldump --user=backup --password={PW} app > app.sql", "Makefile", "SS630"),
    (f"mysql -uroot -p{PW} app < dump.sql", "README.md", "SS632"),
    (f"sshpass -p '{PW}' ssh deploy@web1", "deploy.sh", "SS633"),
    (f"PGPASSWORD={PW} psql -h db -U app app", "runbook.md", "SS634"),
    (f'curl_setopt($ch, CURLOPT_USERPWD, "api:{PW}");', "client.php", "SS635"),
    (f"jdbc:mysql://db:3306/app?user=app&password={PW}&useSSL=true", "app.properties", "SS612"),
    (f"Password={PW};User ID=sa;Data Source=db", "notes.txt", "SS608"),
    (f"Driver={{ODBC Driver 18 for SQL Server}};Server=db;Uid=sa;Pwd={{{PW}}};", "odbc.ini", "SS608"),
    (f'psql "host=db dbname=app user=app password={PW} sslmode=require"', "README.md", "SS615"),
    (f"jdbc:oracle:thin:app/{PW}@db:1521:ORCL", "application.yml", "SS614"),
    (f"redis-url: rediss://:{PW}@cache:6380/0", "settings.txt", "SS604"),
])
def test_one_finding_with_the_exact_value(text, path, rule):
    assert _found(text, path) == [(rule, PW)]


@pytest.mark.parametrize("text,path", [
    ("ALTER USER app IDENTIFIED BY :new_password;", "rotate.sql"),
    ("CREATE ROLE app WITH LOGIN PASSWORD :'app_password';", "init.sql"),
    ("ALTER USER app PASSWORD 'md5" + expand("{{rand:hex:32}}", "md5") + "';", "dump.sql"),
    ('stmt = "CREATE USER app IDENTIFIED BY \'" + password + "\'"', "Db.java"),
    ("mysql -uroot -p app < dump.sql", "restore.sh"),
    ('mysqldump --password="$MYSQL_PASSWORD" app', "backup.sh"),
    ("usage: tool [--password PASSWORD] [--password-file FILE]", "README.md"),
    ("Set the password with --password option and restart.", "README.md"),
    ("docker login --username ci --password-stdin < token.txt", "ci.sh"),
    ('conn = f"DRIVER={{ODBC}};SERVER=db;UID=sa;PWD={db_password}"', "db.py"),
    ("r = redis.StrictRedis(host=redis_server, port=redis_port, password=redis_password)", "app.txt"),
    ("Connect client/server applications over TCP.", "README.md"),
    ("These constraints are identified by stating the name.", "docs.rst"),
])
def test_not_a_credential(text, path):
    assert _found(text, path) == []
