"""The regex engine (gitleaks' model): one regex per rule, a secret group, value checks after.

A rule looks only where the multi-pattern pass (``scanner.prepass``) says it may match: a
single-line rule searches each of those lines (the newline before it included, so a leading
boundary class can match it), a ``multiline`` rule (PEM blocks, XML elements) the whole text.
Value checks (entropy, placeholders, stopwords) happen afterwards in ``scanner.filters`` for
every engine alike.

Rules stay RE2-compatible (no look-around, no back-references), so what a regex cannot say is said
here, after the match, by a few rule keys:

* several alternatives may each carry their own value group: every group whose name starts with
  ``secret`` is tried in order and the first that took part in the match is the value;
* a group named ``secret_bare`` (an unquoted value) is dropped in program source when it reads like
  code (an identifier, a member access or a call): ``password = getPassword()`` holds no secret;
* ``name_pattern`` must match the ``name`` group when there is one, and ``options.name_exclude``
  must not (``password_hint``, ``tokenUrl`` ...);
* ``validator`` (scanner/validators.py) checks a checksum or structure the vendor defines; a value
  that fails is dropped or reported with the lower confidence the rule names;
* ``options.not_after`` is a character class the character before the value must not belong to
  (a leading boundary checked here, so the regex can start with its literal prefix).
"""
from __future__ import annotations

import re
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Iterable, Iterator

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from ..ruleset import Rule
from . import Candidate, FileContext

NAME = "regex"

# Languages whose unquoted right-hand sides are expressions, not literal text.
CODE_LANGUAGES = frozenset({
    "javascript", "go", "java", "kotlin", "csharp", "c", "php", "ruby", "rust", "swift", "scala",
    "python", "powershell", "terraform", "html",
    # no parser here, but program source all the same (scanner/sources.py names them)
    "fsharp", "ocaml", "haskell", "elixir", "erlang", "lua", "perl", "r", "julia", "dart", "groovy",
    "clojure", "objc", "vb", "pascal", "zig", "nim", "crystal", "coffeescript", "elm",
})
# Program source (markup aside): an unquoted right-hand side is an identifier or an expression, so
# the query of a link that downloads one stored object, up to the token: Firebase Storage's
# `?alt=media&token=<uuid>` (the token only serves that file: apps embed it), and a private
# download link that expires (`?e=<unix time>&token=<key>:<signature>`, Qiniu)
_DOWNLOAD_QUERY_RE = lazy_re(r"://[^\s\"'<>]*?[?&](?:amp;)?(?:alt=media&(?:amp;)?|e=\d{10}&(?:amp;)?)token=$")


def _download_url_token(text: str, start: int) -> bool:
    """Whether the value at ``start`` is the token of a one-file download link (``_DOWNLOAD_QUERY_RE``)."""
    if start < 6 or text[start - 6:start] != "token=":
        return False
    ls = max(text.rfind("\n", 0, start) + 1, start - 2000)
    return _DOWNLOAD_QUERY_RE.search(text, ls, start) is not None


def _token_after(text: str, at: int) -> str:
    """The run of non-space characters from ``at`` (a URL's rest: an ``@`` there means user info)."""
    end = at
    stop = min(len(text), at + 300)
    while end < stop and not text[end].isspace():
        end += 1
    return text[at:end]


# languages where `...` runs a command (make, sh, Dockerfile RUN): the value is its output
_COMMAND_LANGUAGES = frozenset({"makefile", "shell", "dockerfile"})
# a password (a PIN) may be all digits; a secret key or a token never is
_PASS_NAME_RE = lazy_re(r"(?i)pass|pwd|pin")
# a bare value counts only inside a comment (``// password: hunter2``).
_BARE_ONLY_IN_COMMENTS = CODE_LANGUAGES - {"html"}
_COMMENT_RE = lazy_re(r"^\s*(?:#|//|/\*|\*|--|<!--|\(\*)|(?:^|\s)(?://|#|/\*|--)\s", re.M)
# comment markers of a few languages only (a line of JavaScript may start with ; and one of PHP with ')
_LANG_COMMENT_RE = {
    "vb": lazy_re(r"^\s*(?:'|REM\b)", re.I | re.M), "clojure": lazy_re(r"^\s*;", re.M),
    "erlang": lazy_re(r"^\s*%", re.M),
}
# openers of a template expression right after a value: the value is the start of a template
_TEMPLATE_OPENERS = ("${", "{{", "$(", "#{", "%(", "<%", "%{")
# the rest of a line after a bare value, when it is a phrase: "Pass: generated directory was created"
_PROSE_TAIL_RE = lazy_re(r"[ \t]+[A-Za-z][^\s\"'`=$]*(?:[ \t]+[^\s\"'`=$-][^\s\"'`=$]*)+[ \t]*(?:[\"'`]|$)", re.M)
# ... and, after an unquoted command-line word, a phrase of plain words with a function word in it
_SENTENCE_TAIL_RE = lazy_re(r"(?:[ \t]+[A-Za-z][A-Za-z'-]*[.,!?:;]?)+[ \t]*(?=[\"'`]|$)", re.M)
_STOPWORDS = frozenset("a an the and or but to of in on for with from by as is are be it its this that "
                       "then if when you your we our can will must should may not no".split())
# a bare value after a comparison is another variable: if password != repeat_password
_COMPARISON_RE = lazy_re(r"(?:[!=]==?|[<>]=)[ \t]*$")
# keywords that start commented-out code: // const secret = await fetch(...)
_CODE_WORDS = frozenset("await new function async yield typeof require import return this self var let const def "
                        "lambda fn func static final public private protected".split())
_WORD_RE = lazy_re(r"^\w+$")
_DOC_XML = ("///", "'''")  # where C# / F# and VB doc comments start: their XML documents code
# languages whose configuration placeholders are ${NAME:default} (Spring's property placeholders,
# Micronaut, Quarkus, Logback): the default after the colon is a literal the program uses when the
# variable or property is unset (in shell, ${NAME:offset} is a substring: not there)
_PLACEHOLDER_DEFAULT_LANGUAGES = frozenset({"properties", "yaml", "java", "kotlin", "groovy", "scala", "xml"})
# languages that expand $name (or ${name}) inside double-quoted strings
_INTERPOLATING = frozenset({"php", "shell", "perl", "kotlin", "groovy", "dart", "powershell", "makefile",
                            "dockerfile", "dotenv"})
_INTERPOLATION_RE = lazy_re(r"\$\{?([A-Za-z_]\w*)")  # a name a person wrote: $ulid, ${token}; not $utE
_NEXT_PAIR_RE = lazy_re(r"(?:[;&,]|[ \t]+)[ \t]*[A-Za-z_][\w .-]{0,30}=")  # pw&useSSL=x, pw;User ID=sa, pw,db=0 (redis), pw sslmode=x
_PASCAL_RE = lazy_re(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+$")
_INTERPOLATED_BEFORE = lazy_re(r"(?:\$@?|@\$)\"")
_IDENT_RE = lazy_re(r"^(?:[a-z_][a-z0-9_.]*|[A-Z][A-Z0-9_]*|[a-z]+(?:[A-Z][a-z0-9]+)+)$")
_BLOCK_AFTER_RE = lazy_re(r"[ \t]*\{")
_CLOSERS = {")": "(", "]": "[", "}": "{"}
# identifiers, member access, calls, indexing, `new X(...)`, `this.x`, `$var`, `@ivar`, `&ref`, `*ptr`
_CODE_VALUE_RE = lazy_re(
    r"""^(?:new\s+)?[&*@$]?[A-Za-z_$][\w$]*(?:(?:\.|->|::|\?\.)[A-Za-z_$][\w$]*|\[[^\]]*\]|\([^()]*\))*(?:\(|\[|[;,)]*)$"""
)


# member access or a call outside program source: X25519.KeyPair, kVK_Return.u16, foo.bar()
_DOTTED_RE = lazy_re(r"^[A-Za-z_$][\w$]*(?:(?:\.|->|::)[A-Za-z_$][\w$]*)+(?:\(.*\))?;?$")
_CACHE: dict[tuple[int, str], tuple[Rule, tuple[re.Pattern[str], ...]]] = {}


def _compiled(rule: Rule, key: str) -> tuple[re.Pattern[str], ...]:
    """``options[key]``: one pattern or a list of patterns, compiled once per rule (the rule is kept
    with them: a rule of a reloaded ruleset may get a freed one's id())."""
    k = (id(rule), key)
    got = _CACHE.get(k)
    if got is None or got[0] is not rule:
        pat = rule.options.get(key) or () if not key.startswith("service_when.") else (
            (rule.options.get("service_when") or {}).get(key.split(".", 1)[1]) or ())
        from secretshift.base.lazyre import compile_cached

        got = _CACHE[k] = (rule, tuple(compile_cached(str(p)) for p in ([pat] if isinstance(pat, str) else pat)))
    return got[1]


def _b64url_json(seg: str) -> object:
    import base64
    import json

    raw = base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))
    return json.loads(raw.decode("utf-8"))


def valid_jwt(value: str) -> bool:
    """A JWT whose header decodes to a JSON object (or, when a tool mangled it, at least to
    ``{"...}``); rejects look-alikes that merely start with eyJ."""
    import binascii

    head = value.split(".", 1)[0]
    try:
        return isinstance(_b64url_json(head), dict)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    try:
        import base64

        raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode("utf-8", "replace")
    except (ValueError, binascii.Error):
        return False
    return raw.startswith('{"') and raw.rstrip().endswith("}") and sum(not c.isprintable() for c in raw) <= 2


_PEM_NOISE_RE = lazy_re(r"\\[nr]|[\s\"'#*/;,+]|^//")
_B64_RUN_RE = lazy_re(r"[A-Za-z0-9+/=]{40,}")


def valid_pem_body(value: str) -> bool:
    """A PEM block with key material after its header: a base64 run of 40 characters or more that
    mixes upper case, lower case and digits and is not one word repeated. A header alone (code that
    checks for one: ``key.startswith("-----BEGIN RSA PRIVATE KEY-----")``) or a made-up body
    (``privatekeyprivatekey...``) is not a key."""
    body = value.split("-----", 2)[-1]
    body = body.split("-----END", 1)[0]
    flat = _PEM_NOISE_RE.sub("", body.replace("+", "A"))
    for m in _B64_RUN_RE.finditer(flat):
        run = m.group()
        if (any(c.isupper() for c in run) and any(c.islower() for c in run) and any(c.isdigit() for c in run)
                and len(set(run)) >= 16):
            return True
    return False


VALIDATORS = {"jwt": valid_jwt, "pem-body": valid_pem_body}


# INI/properties/YAML/plain text: an unquoted value runs to the end of the line (minus a comment)
EOL_VALUE_LANGUAGES = frozenset({"ini", "properties", "toml", "yaml", "text"})
_EOL_COMMENT_RE = lazy_re(r"\s+[#;].*$|\s+$")


# what ends a value with spaces on a command line: the next option (` -e`, ` --name`), a pipe, a
# list operator, a redirection or a line continuation
_COMMAND_GOES_ON_RE = lazy_re(r"[ \t]+(?:--?[A-Za-z]|\|\|?|&&|;|[0-9]?>|<|\\$)")


def _extend_to_eol(text: str, start: int, end: int) -> int:
    nl = text.find("\n", end)
    line_end = len(text) if nl < 0 else nl
    rest = text[start:line_end].split("<", 1)[0]  # markup around the text ends the value: ...</li>
    rest = _EOL_COMMENT_RE.sub("", rest).rstrip(",;")
    cut = _COMMAND_GOES_ON_RE.search(rest)  # ...=petclinic -e NEXT=x, pw && make, pw | tee, pw \
    if cut:
        rest = rest[:cut.start()]
    esc = rest.find("\\", end - start)  # a line of a JSON string (a notebook's source): "pw text\n",
    if esc >= 0 and rest[esc + 1:esc + 2] in ("n", '"', "r", "t"):
        rest = rest[:esc]
    return start + max(len(rest), end - start)


def _trim_unbalanced(text: str, start: int, end: int) -> int:
    """End of a bare value without the closing brackets it did not open (``PrivateKey)``, ``YES)``,
    ``False)``, and ``Admin_123).`` at the end of a sentence): they close the code or the sentence
    around it."""
    if end - start > 2 and text[end - 1] in ".,;" and text[end - 2] in _CLOSERS:
        v = text[start:end - 1]
        if v.count(text[end - 2]) > v.count(_CLOSERS[text[end - 2]]):
            end -= 1
    while end - start > 1:
        c = text[end - 1]
        if c == ":":  # repeat_password: str):
            end -= 1
            continue
        if c not in _CLOSERS:
            break
        v = text[start:end]
        if v.count(c) <= v.count(_CLOSERS[c]):
            break
        end -= 1
    return end


def _in_comment(text: str, start: int, language: str = "") -> bool:
    ls = text.rfind("\n", 0, start) + 1
    extra = _LANG_COMMENT_RE.get(language)
    return bool(_COMMENT_RE.search(text, ls, start) or (extra is not None and extra.match(text, ls, start)))


def looks_like_code(value: str) -> bool:
    """An unquoted right-hand side that reads as a program expression rather than a literal."""
    return bool(_CODE_VALUE_RE.match(value))


_HEX_ID_RE = lazy_re(r"^(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{40})$")
_FINGERPRINT_RE = lazy_re(r"(?i)gpg|pgp|gnupg|fingerprint|keyserver|keyid|key[_ -]id")


_MARKUP_LANGUAGES = frozenset(("html", "xml", "svg", "vue", "markdown"))
_MD_CLOSERS = frozenset("*_]|`")
_SECRET_SPEC_AFTER = lazy_re(r",(?:type|target|uid|gid|mode|env|src|source)=")
_MD_LEAD_RE = lazy_re(r"(?:\*{1,2}|_{1,2})?(?:\]\([^)\s]*\))?(?:\*{1,2})?[ \t]*(?:\|[ \t]*)?`?")


def _minified_line(text: str, start: int, seen: dict[int, bool]) -> bool:
    """The line around ``start`` is an inlined minified bundle: over 5,000 characters with few
    spaces (judged once per line: a bundle's line holds many candidates)."""
    ls = text.rfind("\n", 0, start) + 1
    got = seen.get(ls)
    if got is None:
        le = text.find("\n", start)
        le = len(text) if le < 0 else le
        n = le - ls
        got = seen[ls] = n > 5000 and text.count(" ", ls, le) < n * 0.08
    return got


def _inside_action(text: str, start: int) -> bool:
    """``start`` is inside a ``{{ ... }}`` action opened earlier on its line (Go templates, Helm,
    Jinja): what follows a name there is template code."""
    ls = text.rfind("\n", 0, start) + 1
    i = text.rfind("{{", ls, start)
    return i >= 0 and text.find("}}", i, start) < 0


def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    for rule in rules:
        yield from _matches(ctx, rule, ctx.line_windows(rule))


def _value_groups(rule: Rule) -> list[str | int]:
    got = rule.__dict__.get("_value_groups")
    if got is None:
        got = rule.__dict__["_value_groups"] = _compute_value_groups(rule)
    return got


def _name_groups(rule: Rule) -> list[str]:
    """The groups named ``name...``, in pattern order (a pattern's groupindex is a new dict at each
    access: once per rule, not once per file)."""
    got = rule.__dict__.get("_name_groups")
    if got is None:
        assert rule.regex is not None
        got = rule.__dict__["_name_groups"] = [
            n for _, n in sorted((i, n) for n, i in rule.regex.groupindex.items() if n.startswith("name"))]
    return got


_NAMES: dict[int, tuple[Rule, dict[str, bool]]] = {}


def _names_ok(rule: Rule) -> dict[str, bool]:
    """symbol -> whether the rule's name checks pass, per rule (kept off the rule: a worker's copy
    of the ruleset need not carry names from the files of another)."""
    got = _NAMES.get(id(rule))
    if got is None or got[0] is not rule:
        if len(_NAMES) > 1024:
            _NAMES.clear()
        got = _NAMES[id(rule)] = (rule, {})
    return got[1]


def _compute_value_groups(rule: Rule) -> list[str | int]:
    assert rule.regex is not None
    named = sorted((i, n) for n, i in rule.regex.groupindex.items() if n.startswith("secret"))
    # the loader defaults secret_group to "secret", or to 0 when no group is named exactly that
    if rule.secret_group in ("secret", 0) and named:
        return [n for _, n in named]
    return [rule.secret_group]


def _matches(ctx: FileContext, rule: Rule, windows: Iterable[tuple[int, int]]) -> Iterator[Candidate]:
    """Every candidate of ``rule`` inside the ``windows`` (the per-rule set-up is done once here,
    not once per window: a broad rule can have tens of thousands of keyword lines)."""
    assert rule.regex is not None
    groups = _value_groups(rule)
    name_groups = _name_groups(rule)
    exclude = _compiled(rule, "name_exclude")
    # `options.not_after`: a class the character before the value must not be in. It replaces a
    # leading `(?:^|[^\w])` in the regex, which stops Python's re from jumping to the literal prefix.
    not_after = _compiled(rule, "not_after")
    dotted_is_code = bool(rule.options.get("bare_dotted_is_code"))
    validator = VALIDATORS.get(str(rule.options.get("validate", "")))
    # `options.service_when`: {service: pattern}; the first pattern found on the match's lines names
    # the service instead of the rule's (one connection-string syntax, several databases)
    service_when = [(svc, _compiled(rule, "service_when." + svc)) for svc in (rule.options.get("service_when") or {})]
    service_when = [(svc, rx[0]) for svc, rx in service_when if rx]
    check = rule.validator
    if check is not None:
        from ..validators import check as run_check
    in_code = ctx.language in CODE_LANGUAGES
    doc_xml = bool(rule.options.get("not_in_doc_comments"))
    bare_needs_comment = ctx.language in _BARE_ONLY_IN_COMMENTS
    interpolating = ctx.language in _INTERPOLATING
    shapes = bool(rule.options.get("value_shapes", rule.category == "generic"))  # a name-based rule
    to_eol = bool(rule.options.get("bare_to_eol")) and ctx.language in EOL_VALUE_LANGUAGES
    text = ctx.text
    markup = ctx.language in _MARKUP_LANGUAGES
    lines_seen: dict[int, bool] = {}
    search = rule.regex.search
    name_pattern = rule.name_pattern
    # a name's judgement (name_pattern, name_exclude: long alternations tried at every offset of
    # the name) depends on the rule alone, and names repeat across lines and files
    names_ok = _names_ok(rule)
    for lo, hi in windows:
        pos = lo
        while pos <= hi:
            m = search(text, pos, hi)
            if m is None:
                break
            grp: str | int | None = None
            for g in groups:
                if m.start(g) >= 0:
                    grp = g
                    break
            if grp is None:
                pos = m.end() if m.end() > pos else pos + 1
                continue
            start, end = m.span(grp)
            bare = grp == "secret_bare"
            # an unquoted command-line word (_word), or a word in prose (_prose: in program source only
            # inside a comment, since ``pw = cfg.Get(...)`` there is code)
            prose = isinstance(grp, str) and grp.endswith("_prose")
            word = prose or isinstance(grp, str) and grp.endswith("_word")
            extended = 0
            if bare and to_eol and text[start] in "#;" and start and text[start - 1] in " \t":
                pos = max(m.end(), pos + 1)
                continue  # password: # comment: the value is empty
            if bare:
                # a bare value that stopped at a quote ended with the string around it
                extended = to_eol and text[end:end + 1] in (" ", "\t") and _extend_to_eol(text, start, end)
                if extended and ctx.language == "text" and len(text[start:extended].split()) > 2:
                    extended = 0  # prose or a command in a document: `=> use with Stripe.js`, `X=1 ./bin/rails ...`
                if extended:
                    end = extended
            if bare:
                # a list of pairs goes on after the value: pw&useSSL=true, pw;User ID=sa, pw sslmode=x
                pair = _NEXT_PAIR_RE.search(text, start, end)
                if pair and text[pair.start()] == "," and text.count("{", start, pair.start()) > text.count(
                        "}", start, pair.start()):
                    pair = None  # #{password,jdbcType=VARCHAR} (MyBatis): a comma inside a placeholder
                if pair:
                    end = pair.start()
            if bare or word:
                end = _trim_unbalanced(text, start, end)  # [--password PASSWORD], YES)
            # resume right after the value, not after the match: a trailing boundary character (a
            # newline, a quote) must stay available as the leading boundary of the next match
            pos = end if end > m.start() else max(m.end(), pos + 1)
            if not_after and start > 0 and not_after[0].match(text, start - 1):
                continue
            if shapes and ctx.language == "text" and text[start:start + 1] in _MD_CLOSERS:
                # a document's name in bold, a link or a table cell: `**Password:** \`x\``,
                # `[**Client Secret:**](url) x`, `|Client Secret:| x |`: the value is what follows
                lead = _MD_LEAD_RE.match(text, start, end)
                if lead is not None and lead.end() > start:
                    start = lead.end()
                    while end > start and text[end - 1] in "`| \t*":
                        end -= 1
                    if end <= start:
                        continue
            value = text[start:end]
            symbol = next((m.group(n) for n in name_groups if m.start(n) >= 0), None)
            ns = next((m.start(n) for n in name_groups if m.start(n) >= 0), -1)
            if ns >= 2 and text.startswith("${", ns - 2):
                # a parameter expansion names a variable: ${NAME:-default} / ${NAME:=default} bind
                # their literal default; ${NAME:+word} is used when NAME is set (has-password) and
                # ${NAME:?message} is an error message, neither is a value
                if text[start - 1:start] == ":" and symbol is not None and value[:1] not in "-=+?" \
                        and ctx.language in _PLACEHOLDER_DEFAULT_LANGUAGES:
                    pass  # Spring/Micronaut/Quarkus ${DB_PASSWORD:default}: the default after the colon
                elif not (value[:1] in "-=" and text[start - 1:start] == ":" and symbol is not None):
                    continue
                else:
                    start += 1
                    value = text[start:end]
                if value.endswith("}") and text[end - 1:end] == "}":
                    end -= 1  # ${DB_PASSWORD:secret}: the brace closes the placeholder
                    value = text[start:end]
                if not value:
                    continue
            if symbol is not None:
                ok = names_ok.get(symbol)
                if ok is None:
                    if len(names_ok) > 8192:
                        names_ok.clear()
                    ok = names_ok[symbol] = (name_pattern is None or name_pattern.search(symbol) is not None) and not any(
                        x.search(symbol) for x in exclude)
                if not ok:
                    continue
            if text[start - 1:start] == ":" and text[start - 2:start - 1] in ('"', "`", "'") and value[:1] == "/":
                continue  # -v "$PWD":/build, -v `pwd`:/gitbook: a volume mapping, host:container path
            if ns > 2 and text.startswith("://", ns - 3) and "@" not in _token_after(text, ns):
                continue  # http://auth-service:5000/uaa: a host and its port, not a name and its value
            if ns > 1 and text[ns - 1] in "'\"`" and text[:ns - 1].rstrip(" \t").endswith("?"):
                continue  # hide ? 'password' : 'text': the branches of a conditional, not a key and its value
            if text.startswith(_TEMPLATE_OPENERS, end):
                continue  # key: cache-v3-${{ inputs.x }}: the value goes on as a template
            if _SECRET_SPEC_AFTER.match(text, end):
                continue  # Podman/Docker: Secret=app-jwt-secret,type=env,target=JWT_SECRET names a stored secret
            if ctx.language in _COMMAND_LANGUAGES and start and text[start - 1] == "`" and text[end:end + 1] == "`":
                continue  # REDASH_SECRET_KEY=`pwgen -1s 32`: a command's output, not a value
            if shapes and _download_url_token(text, start):
                continue  # a storage service's download link for one file, published with it
            if shapes and markup and _minified_line(text, start, lines_seen):
                continue  # a page's inlined bundle (<script>!function(e,t){...}</script> on one line): code
            if shapes and _inside_action(text, start):
                continue  # {{ $password := index .Values.users $u }}: Go/Helm template code, not a value
            if shapes and _HEX_ID_RE.match(value) and _FINGERPRINT_RE.search(
                    text, text.rfind("\n", 0, start) + 1, start):
                continue  # GPG_KEYS=A0D6...17B7, "GPG key: 13BB...": a public key's fingerprint
            if start >= 2 and text[start - 1] == ":" and text[start - 2] == ":" or value.startswith(":"):
                continue  # Password::defaults(): a static member, not name: value
            if interpolating and shapes and start and text[start - 1] == '"' and any(
                    _IDENT_RE.match(n) for n in _INTERPOLATION_RE.findall(value)):
                continue  # "transcodes/$ulid.m4a": PHP, shell, Perl ... fill $names into double quotes
            between = text[next(m.end(n) for n in name_groups if m.start(n) >= 0):start] if ns > 0 else ""
            if ns > 0 and text[ns - 1] == "/" and shapes and ":" not in between and any(ch.isalpha() for ch in between):
                continue  # src=files/secret owner=mongod: a path segment then an argument, not "name type = value"
            if isinstance(grp, str) and grp.endswith("_braced") and (
                    _IDENT_RE.match(value) or value.isdigit() or value[:1] in "{ " or ".Values." in value
                    or (_PASCAL_RE.match(value) and _INTERPOLATED_BEFORE.search(text, text.rfind("\n", 0, start) + 1, start))):
                # PWD={db_password}, PWD={4}: a format field; Password={{ .Values.sql.pwd }}: Helm;
                # $"...Password={SqlServerPassword}": C#'s interpolation; PWD={Xk9...} is ODBC's quoting
                continue
            if prose and bare_needs_comment and not _in_comment(text, start, ctx.language):
                continue
            if doc_xml and in_code and text[text.rfind("\n", 0, start) + 1:start].lstrip().startswith(_DOC_XML):
                continue  # C#/VB XML doc comments: <param name="token">what the parameter is</param>
            if word and value.lower() in _STOPWORDS:
                continue  # "identified by its ISO code": a word of a sentence
            if word:
                m2 = _SENTENCE_TAIL_RE.match(text, end)
                if m2 and _STOPWORDS.intersection([value.lower(), *m2.group().lower().split()]):
                    continue  # an unquoted word followed by a sentence: "--password option and restart."
            if bare and value.isdigit() and text[end:end + 1] in ("}", ",", ")", "]") and not (
                    symbol and _PASS_NAME_RE.search(symbol)):
                continue  # {"SecretKey": 3600}: a number in a structure (a lifetime, a size), not a key
            if bare:
                if bare_needs_comment:
                    # in a comment a word is a word, but a member access or a call is still code
                    if not _in_comment(text, start, ctx.language) or _DOTTED_RE.match(value) or value in _CODE_WORDS:
                        continue
                elif in_code:
                    # markup: a word in the text is text (<li>Password: x</li>); a call is script
                    if looks_like_code(value) and not (ctx.language == "html" and _WORD_RE.match(value)):
                        continue
                elif dotted_is_code and _DOTTED_RE.match(value):
                    continue
                if not extended and _PROSE_TAIL_RE.match(text, end):
                    continue  # echo "Pass: generated directory was created"
                if extended and sum(w in _STOPWORDS for w in value.lower().split()) >= 2 and _in_comment(
                        text, start, ctx.language):
                    continue  # "# ... no password: it means that every": a sentence, not a passphrase
                if _COMPARISON_RE.search(text, max(0, start - 8), start):
                    continue
                if _BLOCK_AFTER_RE.match(text, end):
                    continue  # .password-input:focus { ...: a selector, not a value
            if validator is not None and not validator(value):
                continue
            confidence = None
            if check is not None and not run_check(check, value):
                confidence = check.get("on_failure", "drop")
                if confidence == "drop":
                    continue
            service = rule.service
            if service_when:
                eol = text.find("\n", m.end())
                lines_of_match = (text.rfind("\n", 0, m.start()) + 1, len(text) if eol < 0 else eol)
            for svc, rx in service_when:
                if rx.search(text, *lines_of_match):
                    service = svc  # Host=...;Username=...: Npgsql's keys, a PostgreSQL string
                    break
            yield Candidate(rule=rule, start=start, end=end, value=value, symbol=symbol,
                            service=service, field=rule.field, confidence=confidence)
