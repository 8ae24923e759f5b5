"""Value filters and inline suppressions: small pure predicates that return a reason or None.

Each filter answers "why is this candidate not a finding?". ``scan.py`` runs them in the order of
``VALUE_FILTERS`` and logs the first reason at debug level.
"""
from __future__ import annotations

import math
import re
from collections import Counter

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use

from . import shapes
from .engines import Candidate
from .ruleset import Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Callable

    ValueFilter = Callable[[Candidate, Rule], str | None]

# --- placeholders -------------------------------------------------------------------------------

_TEMPLATE_RE = lazy_re(
    r"""^\s*(?:(?:\{\{|\{%|<%|\$\{).*|\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|\{%.*%\}|<%.*%>|<[^<>\s]{1,60}>|%\([^)]*\)s|%s|\$[A-Za-z_][A-Za-z0-9_]*|#\{[^}]*\}|@[A-Za-z_]+@|%[A-Za-z_][A-Za-z0-9_]*%|\{[A-Z][A-Z0-9 _-]*\}|\{[A-Za-z_][\w.]*(?:\[[^\]]*\])?(?:![rsa])?(?::[^{}]*)?\}|\[\[.*\]\])\s*$""",
    re.S,
)
# a reference inside a longer value: ${VAR}, ${VAR:-x}, {{ var }}, {{ .Values.x | quote }}, <%= x %>, $(VAR),
# "docs/#{package.name}.tar.gz" (Ruby, Elixir, CoffeeScript and Crystal interpolate #{...} into a string),
# "password=\\(password)" (Swift's interpolation)
_EMBEDDED_TEMPLATE_RE = lazy_re(
    r"\$\{\{?\s*[A-Za-z_][\w.:-]*(?::?[-=?+][^}]*)?\s*\}|\{\{-?\s*[\w.$|\"' ()-]+?\s*-?\}\}|<%=|\$\([A-Za-z_][\w]*\)|%[A-Z_]{3,}%|<[A-Za-z][\w .-]{0,40}>|(?:^|[=:/@])\{[A-Za-z_][\w.]{0,40}\}|\{\$[A-Za-z_]|#\{[A-Za-z_@][^}]{0,80}\}|\\\([A-Za-z_][\w.]{0,60}\)"
)
# a passphrase: up to ten words, no sentence punctuation
_PASSPHRASE_RE = lazy_re(r"^[^\s.?!]+(?:\s+[^\s.?!]+){1,9}$")
_DATE_RE = lazy_re(r"^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$")
# a sentence, not a credential: six words or more, or three or more ending in a full stop
_PROSE_RE = lazy_re(r"^(?:[^\s]+\s+){5,}[^\s]+\s*$|^(?:[^\s]+\s+){2,}[^\s]*[A-Za-z][.?!:]\s*$")
# values that are already encrypted at rest by a tool the team uses
_ENCRYPTED_PREFIXES = ("enc[", "enc(", "{cipher}", "$ansible_vault;", "!vault", "vault:v1:", "kms:", "ENC[".lower())
# a run of 20 letters of the alphabet ("abcdefghijklmnopqrst..."): a made-up value or a character table
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_ALPHABET_RUN_RE = lazy_re("|".join(_ALPHABET[i:i + 20] for i in range(7)))
_YOUR_RE = lazy_re(r"^(?:your|Your|YOUR)[A-Z_-]")
_URL_USERINFO_RE = lazy_re(r"^[A-Za-z][\w+.-]*://[^/\s:@]*:(?P<pw>[^/\s@]+)@")
_PLACEHOLDER_WORDS = (
    "changeme", "change_me", "change-me", "replaceme", "replace_me", "replace-me", "placeholder",
    "changethis", "change_this", "change-this", "changeit", "change_it", "change-it",
    "your_", "your-", "yourkey", "yourpassword", "yoursecret", "your_api_key", "insert", "redacted",
    "example", "dummy", "sample", "todo", "fixme", "notreal", "not_real", "not-a-real", "fake",
    "xxxx", "****", "...", "put_", "enter_", "enter-your", "foobar", "lorem", "your ",
    "not-a-secret", "not_a_secret", "notasecret", "not_valid", "not-valid", "notvalid", "not_used", "unused",
    "test_token", "test-token", "test_secret", "test-secret", "…", "_xxx", "-xxx", "generate-with",
    "goeshere", "goes_here", "goes-here", "gohere",  # PasswordGoesHere
    # the same in Chinese, Japanese, Korean (eladmin's 填写你的SecretKey: "fill in your SecretKey")
    "填写", "你的", "您的", "请输入", "请填写", "替换为", "替换成", "自己的", "あなたの", "入力して", "여기에",
)
_PLACEHOLDER_EXACT = {
    ":memory:",  # SQLite's in-memory database (a test's DSN)
    "", "none", "null", "nil", "true", "false", "undefined", "password", "passwd", "secret", "token",
    "api_key", "apikey", "key", "test", "testing", "admin", "root", "user", "username", "pass",
    "string", "str", "value", "default", "required", "optional", "empty", "unknown", "n/a", "na", "tbd",
    "env", "os.environ", "hidden", "private", "pwd", "1234", "12345", "123456", "qwerty", "guest",
    # whole-value dummies only: a real password may contain them ("Password1234!" is a password)
    "password123", "password1", "secret123", "mypassword", "mysecret", "mytoken", "mykey", "s3cr3t",
    "foo", "bar", "baz", "qux", "xyz", "abc", "yes", "no", "on", "off", "enabled", "disabled", "123",
    "authorization", "bearer", "basic", "hashed", "encrypted", "plaintext", "plain",
    # a test's deliberately wrong value, and the word a usage text puts after a flag
    "wrong", "incorrect", "invalid", "argument", "arguments",
    # a test's value that says it does not matter (thunderbird's password = "irrelevant")
    "irrelevant", "whatever", "unused", "notused", "not-used", "ignored", "doesnotmatter", "does-not-matter",
    # hex words that stand for a key (documenso's NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY="DEADBEEF")
    "deadbeef", "cafebabe", "feedface", "baadf00d", "deadc0de", "0xdeadbeef",
    # the passwords of jokes and comics that documentation uses as examples (bash.org, xkcd 936)
    "hunter2", "correcthorsebatterystaple", "correct horse battery staple", "correct-horse-battery-staple",
    "correct_horse_battery_staple", "tr0ub4dor&3",
    # the word "password" in other languages: a UI label, not a value ("LABEL_PASSWORD": "Passord")
    "passwort", "kennwort", "passord", "mot de passe", "mot-de-passe", "contraseña", "contrasena", "clave",
    "senha", "palavra-passe", "wachtwoord", "lösenord", "losenord", "adgangskode", "salasana", "hasło",
    "haslo", "heslo", "jelszó", "jelszo", "parola", "parolă", "şifre", "sifre", "пароль", "парола",
    "лозинка", "密码", "密碼", "パスワード", "비밀번호", "كلمة المرور", "סיסמה", "κωδικός", "geslo", "lozinka",
    "parool", "slaptažodis", "parole", "kata sandi", "mật khẩu", "รหัสผ่าน", "पासवर्ड", "contrasinal",
    "pasahitza", "contrasenya", "lykilorð", "jelszavad", "passwd",
    # ... and the word "secret"
    "geheim", "secreto", "segreto", "segredo", "sekret", "hemlig", "salainen", "tajny", "titok", "секрет",
}


# The sha256 of values that documentation hands out as *the* example, copied into code and tests
# everywhere (kept as digests: the repository holds no token-shaped string): the base32 TOTP secret
# of the Google Authenticator key-URI page, jwt.io's sample token (signed with "your-256-bit-secret"),
# RFC 6455's sample WebSocket key.
_DOCUMENTATION_EXAMPLES = frozenset({
    "8be5d113c0871ce1a122d68a7dff940ab7b09ad8dfcfd9a85aa5c1acc026279e",
    "7f75367e7881255134e1375e723d1dea8ad5f6a4fdb79d938df1f1754a830606",
    "15cef4b629cc2d07a4563df9516739d4c8d6097eb283e5260fd59299a3c99c56",
})


_KV_DSN_RE = lazy_re(r"^\s*[A-Za-z_]+\s*=\s*[^\s=]*(?:\s+[A-Za-z_]+\s*=\s*[^\s=]*)*\s*$")  # libpq's key=value form
# BuildKit's --secret/--mount specs and their kind: a list of known keys, each =value
_SPEC_RE = lazy_re(r"^(?:(?:id|src|source|env|type|target|dst|destination|required|mode|uid|gid)=)?[\w.-]*"
                   r"(?:,(?:id|src|source|env|type|target|dst|destination|required|mode|uid|gid|ro|readonly|rw)(?:=[^,\s]*)?)+(?:\s|$)")
_PASS_OR_PIN_RE = lazy_re(r"(?i)pass|pwd|pin(?:$|[^g])|code|secret")  # a PIN, a passcode, a lab's weak secret


_QUOTE_ENTITIES = ("&quot;", "&#34;", "&#034;", "&#39;", "&#039;", "&apos;")


def _unwrapped(value: str) -> str | None:
    """What a value wrapped in one more pair of quotes (plain or HTML-escaped) holds, or None."""
    v = value.strip()
    for q in _QUOTE_ENTITIES:
        if len(v) > 2 * len(q) and v.startswith(q) and v.endswith(q):
            return v[len(q):-len(q)]
    if len(v) > 2 and v[0] == v[-1] and v[0] in "'\"`":
        return v[1:-1]
    return None


_B64_CHUNK_RE = lazy_re(r"^(?:[Bb]asic\s+)?([A-Za-z0-9+/]{4,}={0,2})$")
_CLIENT_ID_ONLY_RE = lazy_re(r"^[\w.@-]{1,80}:$")


def _basic_without_password(value: str) -> str | None:
    """The base64 of ``"client:"`` (an HTTP Basic header's credentials, the header word or not): a
    (public) client id with an empty password, as browser code sends to an OAuth token endpoint."""
    m = _B64_CHUNK_RE.match(value.strip())
    if m is None or len(m.group(1)) % 4:
        return None
    import base64
    import binascii

    try:
        text = base64.b64decode(m.group(1), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return "a Basic header with no password" if _CLIENT_ID_ONLY_RE.match(text) else None


def _documentation_example(value: str) -> str | None:
    if not 16 <= len(value) <= 200:
        return None
    from secretshift.base.cache import sha256  # hashlib would initialise OpenSSL (~3 ms on the hook path)

    digest = sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return "a documentation's own example value" if digest in _DOCUMENTATION_EXAMPLES else None


def shannon_entropy(s: str) -> float:
    if not s:
        return 0.0
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def is_placeholder(value: str, extra: tuple[str, ...] = (), symbol: str | None = None) -> str | None:
    """Why ``value`` is a placeholder, template reference or dummy rather than a credential (None
    when it may be one). ``symbol``, the name it is bound to, lets a passphrase be several words."""
    v = value.strip()
    m = _URL_USERINFO_RE.match(v)
    if m:  # a URL with credentials is as real as its password (the host may well be example.com)
        v = m.group("pw")
    lv = v.lower()
    if lv in _PLACEHOLDER_EXACT or lv.rstrip(".,;:") in _PLACEHOLDER_EXACT:
        return "placeholder word"  # (a sentence may end on it: "set password=TRUE."; "admin!" is a password)
    if not any(ch.isalnum() for ch in v):
        return "no letters or digits"
    if _DATE_RE.match(v):
        return "date or time"
    if _PROSE_RE.match(v) and not (shapes.passphrase_named(symbol) and _PASSPHRASE_RE.match(v)):
        return "prose"
    if v.endswith("\\") and not v.endswith("\\\\"):
        return "cut at an escaped quote"
    if lv.startswith(_ENCRYPTED_PREFIXES):
        return "encrypted value (SOPS, Ansible Vault, Spring Cloud Config)"
    if _ALPHABET_RUN_RE.search(lv):
        return "alphabet run"
    if _TEMPLATE_RE.match(v) or _EMBEDDED_TEMPLATE_RE.search(v):
        return "template reference"
    if _ARM_EXPR_RE.match(v):
        return "a template expression"  # Azure ARM "[parameters('adminpwd')]", API Gateway "$context.routeKey"
    for w in (*_PLACEHOLDER_WORDS, *extra):
        if w in lv:
            return f"placeholder ({w})"
    reason = shapes.doc_placeholder(v)
    if reason:
        return reason
    if _YOUR_RE.match(v):
        return "placeholder (Your...)"  # YourPwdShouldBeLongAndSecure!, YourApiKeyHere
    if len(v) >= 4 and max(Counter(lv).values()) / len(lv) > 0.6:
        return "mostly one character"
    core = _NOT_ALNUM_RE.sub("", lv)
    if _is_sequential(core):
        return "sequential characters"
    if symbol and _KEY_OF_SECRET_RE.search(symbol) and _KEY_NAME_RE.match(v):
        return "the name of a key"  # clusterSecretKey: "cluster-token-key" (a Secret's key, Helm values)
    if _letter_blocks(core):
        return "blocks of repeated letters"  # AAAAABBBBBCCCCCDDDDD, aaaabbbb-cccc-dddd-eeee-ffffgggghhhh
    if any("\U0001F1E6" <= ch <= "\U0001F1FF" for ch in v):
        return "a country's flag"  # PW: "\U0001F1F5\U0001F1FC Palau" (a country code, not a password)
    if _FORMAT_KEY_RE.match(v):
        return "a localisation format key"  # Apple's .stringsdict "%#@count@"
    if _EMPHASIS_RE.match(v):
        return "emphasised text"  # Password: _not present_ (Markdown)
    if _XYZ_PART_RE.search(v) and _DUMMY_PART_RE.search(v):
        return "placeholder (abc/xyz)"  # pi_3ABC123_secret_xyz: a vendor's format with dummy parts
    return None


_FORMAT_KEY_RE = lazy_re(r"^%#@\w+@$")
_FLAG_KEY_RE = lazy_re(r"^[a-z]{1,6}-\d{2,7}(?:-[a-z][a-z0-9]*){2,}$")
_EMPHASIS_RE = lazy_re(r"^([_*]{1,2})[A-Za-z][^_*]*\s[^_*]*[A-Za-z.)]\1$")
# a value written as a format with dummy parts: an `xyz` part and an `abc` or a generic word part
_XYZ_PART_RE = lazy_re(r"(?i)(?:^|[_.-])xyz(?:$|[_.-])")
_DUMMY_PART_RE = lazy_re(r"(?i)abc|(?:^|[_.-])(?:secret|key|token|test|example|dummy|fake|sample)(?:$|[_.-])")


# the name of the key that holds a credential in a Kubernetes Secret (Helm values: existingPasswordKey,
# clusterSecretKey, adminPasswordKey): a word before it, then <secret|password|token>Key
_KEY_OF_SECRET_RE = lazy_re(r"[a-z0-9](?:Secret|Password|Token|Credentials?)Key$|^[a-z]+[_.-](?:secret|password|token)[_.-]key$")
# a lower-case identifier of words whose last word names a credential: a key within a Secret, a
# field's name (admin-password, cluster-token-key, db_password)
_KEY_NAME_RE = lazy_re(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*[-_](?:key|keys|password|passwd|token|secret|credentials?|pass)$")


def _letter_blocks(core: str) -> bool:
    """Runs of one character each, in alphabetical (or counting) order: a stand-in drawn to a format
    (``core``: the lower-cased value's letters and digits)."""
    if len(core) < 12:
        return False
    runs: list[tuple[str, int]] = []
    for ch in core:
        if runs and runs[-1][0] == ch:
            runs[-1] = (ch, runs[-1][1] + 1)
        else:
            runs.append((ch, 1))
    if len(runs) < 3 or any(n < 2 for _, n in runs[:-1]):
        return False
    seq = "".join(ch for ch, _ in runs)
    period = next((p for p in range(3, len(seq) + 1) if (seq[:p] * (len(seq) // p + 1))[:len(seq)] == seq), len(seq))
    return any(seq[:period] in s for s in _SEQS)  # (the same blocks again: AAAABBBBCCCC AAAABBBBCCCC)


_SEQS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm")


_NOT_ALNUM_RE = lazy_re(r"[^a-z0-9]")  # compiled (from the cache) on first use, not by re's own parser
_RUNS_RE = lazy_re(r"[0-9]+|[a-z]+")
_NAME_SEPS_RE = lazy_re(r"[-_. ]+")


def _is_sequential(core: str) -> bool:
    """``core``: the lower-cased value's letters and digits."""
    if len(core) < 6:
        return False
    if any(core in s * 2 for s in _SEQS):
        return True
    # 123456abcdefg: a sequential run of digits and one of letters
    runs = _RUNS_RE.findall(core)
    return len(runs) == 2 and all(len(r) >= 3 and any(r in s * 2 for s in _SEQS) for r in runs)


_UUID_RE = lazy_re(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_BARE_KEY_RE = lazy_re(r"^(?:.*\.)?\$?(?:key|_key|license_?key)$", re.I)
_NAME_WORD_RE = lazy_re(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _words_of_name(value: str, symbol: str) -> bool:
    """``value`` is two or more words, every one of them a word of ``symbol``: a test's stand-in
    that spells out what it stands for (``github_client_secret = "github-client-secret"``)."""
    words = [w.lower() for w in _NAME_SEPS_RE.split(value) if w]
    if len(words) < 2 or not all(w.isalpha() for w in words):
        return False
    name = [w.lower() for w in _NAME_WORD_RE.findall(symbol.rsplit(".", 1)[-1])]
    if all(w in name for w in words):
        return True
    # "stored-client-secret", "query-log-client-secret" for client_secret: the name, qualified
    tail = [w for w in name if not w.isdigit()][-2:]
    return len(tail) == 2 and words[-2:] == tail and len(words) <= 4


def check_value(c: Candidate, rule: Rule, extra_placeholders: tuple[str, ...] = ()) -> str | None:
    """The reason this hardcoded candidate is not a finding, or None if it is one (an env read, or
    a value its engine already judged: ``skip_filters``)."""
    v = c.value
    if v is None or c.skip_filters:
        return None
    if rule.min_length and len(v) < rule.min_length:
        return "too short"
    if rule.max_length and len(v) > rule.max_length:
        return "too long"
    if rule.entropy and shannon_entropy(v) < rule.entropy:
        return "low entropy"
    lv = v.lower()
    for s in rule.stopwords:
        if s in lv:
            return f"stopword {s}"
    for rx in rule.allow_regexes:
        if rx.search(v):
            return "allowlisted by rule"
    reason = shapes.password_hash(v, c.symbol) or shapes.public_material(v) or _documentation_example(v) \
        or _basic_without_password(v)
    if reason:
        return reason
    if _SPEC_RE.match(v):
        return "a mount or secret spec"  # docker build --secret id=sentry_auth_token,env=SENTRY_AUTH_TOKEN
    if c.symbol and c.symbol.lower().endswith("dsn") and _KV_DSN_RE.match(v) and "password" not in lv:
        return "a connection string without a password"  # {"dsn": "application_name=x connect_timeout=5"}
    if v.isdigit() and len(v) <= 8 and (c.field or rule.field) != "password" and not (
            c.symbol and _PASS_OR_PIN_RE.search(c.symbol)):
        return "a short number under a key or token name"  # HTTP_AUTHORIZATION = "12342": a test's id
    if not rule.options.get("keep_placeholders"):
        reason = is_placeholder(v, extra_placeholders, c.symbol)
        inner = _unwrapped(v)
        if reason is None and inner is not None:
            # "'ROLE_ADMIN'" (an Angular binding's string), &quot;admin&quot; (escaped markup): the
            # value is what the quotes hold
            reason = is_placeholder(inner, extra_placeholders, c.symbol) or shapes.not_a_literal(inner)
        if reason:
            return reason
    elif c.symbol and shapes.doc_placeholder(f"{c.symbol}:{v}"):
        return "self-describing dummy"  # http://user:pass@host: a URL rule keeps other placeholders
    # a name-based rule (or a rule that asks for it): the value's shape is all it has to go on
    if rule.options.get("value_shapes", rule.category == "generic"):
        reason = shapes.not_a_literal(v)
        if reason is None and c.symbol and v.lower() == c.symbol.lower().rsplit(".", 1)[-1].lstrip("$@"):
            reason = "the name of a variable"  # self.passphrase = passphrase
        if reason is None and c.symbol and _UUID_RE.match(v) and _BARE_KEY_RE.match(c.symbol):
            reason = "a UUID under a bare key name"  # "key": "38b1460a-...": an identifier or a licence id
        if reason is None and c.symbol and _words_of_name(v, c.symbol):
            reason = "the words of its own name"  # "HEXPM_IMG_PROXY_SECRET" => "img-proxy-secret"
        if reason is None and _FLAG_KEY_RE.match(v):
            reason = "a feature flag or ticket key"  # PrivateKeyRegeneration = "pm-12241-private-key-regeneration"
        # a label is no token; but a password may well be words (gpu-monitoring-demo)
        password_kind = shapes.password_named(c.symbol) if c.symbol else (c.field or rule.field) == "password"
        if reason is None and not password_kind:
            reason = shapes.label_shape(v)
        if reason is None and c.symbol:
            reason = shapes.word_shape(v, c.symbol)
        sym = (c.symbol or "").lower().rsplit(".", 1)[-1]
        if reason is None and len(sym) > 3 and _names_itself(v, sym):
            # "Ed25519Key": "toot:Ed25519Key" (a JSON-LD term); mountain_pass: "Cs:Key:mountain pass"
            # (OpenStreetMap's wiki page of the tag)
            reason = "a namespaced name, not a value"
        return reason
    return None


def _names_itself(value: str, symbol: str) -> bool:
    """Whether ``value`` ends a namespaced path with its own name (words glued, case folded)."""
    name = _NAME_GLUE_RE.sub("", symbol)
    text = _NAME_GLUE_RE.sub("", value.lower())
    i = text.find(name)
    while i != -1:
        j = i + len(name)
        if i > 0 and text[i - 1] in ":/#=" and (j == len(text) or text[j] in "=/#:"):
            return True
        i = text.find(name, i + 1)
    return False


_ARM_EXPR_RE = lazy_re(r"^\[(?:parameters|variables|concat|reference|listKeys|format|resourceId)\(.*\)\]$"
                        r"|^\$(?:context|input|stageVariables|util)\.[\w.]+$")
_NAME_GLUE_RE = lazy_re(r"[\s_.-]+")


# --- inline suppressions ------------------------------------------------------------------------

_ALLOW_RE = lazy_re(r"secretshift:\s*allow(?!-)(?:\[([A-Za-z0-9_,\s-]*)\])?")
_ALLOW_NEXT_RE = lazy_re(r"^\s*(?:#|//|--|;|/\*|<!--|\*|REM\b)\s*secretshift:\s*allow-next-line(?:\[([A-Za-z0-9_,\s-]*)\])?", re.I)
_PRAGMA_RE = lazy_re(r"pragma:\s*allowlist[ -]secret")
_PRAGMA_NEXT_RE = lazy_re(r"^\s*(?:#|//|--|;|/\*|<!--|\*)\s*pragma:\s*allowlist[ -]nextline[ -]secret")


def _codes(group: str | None) -> set[str] | None:
    if group is None:
        return None  # every rule
    return {c.strip().upper() for c in group.split(",") if c.strip()}


def suppressed(rule_id: str, slug: str, line: str, prev_line: str | None) -> bool:
    """True when an inline comment on the line (or a next-line comment above it) silences the rule."""
    if "secretshift" in line or "pragma" in line:
        if _PRAGMA_RE.search(line):
            return True
        for m in _ALLOW_RE.finditer(line):
            codes = _codes(m.group(1))
            if codes is None or rule_id in codes or slug.upper() in codes:
                return True
    if prev_line and ("secretshift" in prev_line or "pragma" in prev_line):
        if _PRAGMA_NEXT_RE.search(prev_line):
            return True
        m = _ALLOW_NEXT_RE.search(prev_line)
        if m:
            codes = _codes(m.group(1))
            if codes is None or rule_id in codes or slug.upper() in codes:
                return True
    return False




_DIRECTIVE_RE = lazy_re(r"secretshift:\s*allow(?:-next-line)?(?:\[[^\]]*\])?|pragma:\s*allowlist[ -](?:nextline[ -])?secret")


def in_directive(line: str, column: int) -> bool:
    """True when 1-based ``column`` falls inside a suppression comment itself (its words are not a secret)."""
    if "secretshift" not in line and "pragma" not in line:
        return False
    return any(m.start() <= column - 1 < m.end() for m in _DIRECTIVE_RE.finditer(line))
