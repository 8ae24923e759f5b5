"""What a matched value *is* when it is not a credential, judged from its shape alone.

Small pure predicates (each returns a reason or None) used by ``scanner.filters``:

* ``password_hash`` — a stored hash (bcrypt, sha-crypt, argon2, scrypt, pbkdf2, Django's and
  passlib's formats, LDAP ``{SSHA}``, MySQL ``*HEX``, PostgreSQL ``md5``/SCRAM): not usable to log in;
* ``public_material`` — an SSH public key, a PEM public key, certificate or CSR, an age recipient:
  public by design;
* ``doc_placeholder`` — what documentation writes instead of a value: ``[secret]``,
  ``HEADER.PAYLOAD.SIGNATURE``, a variable's own name (``GITHUB_WEBHOOK_SECRET``), a SQL bind
  parameter (``:password``, ``?``), a self-describing dummy made of words such as ``some-password``,
  ``pass+word`` or ``user:pass``;
* ``not_a_literal`` — what a keyword regex captures when the right-hand side is not a literal:
  a regex literal (``/^.{1,20}$/``), a type (``InitVar[str]``), a call or index expression, the
  leftovers of a string concatenation (``" + pw + "``), a file path, a URL without credentials,
  a Kubernetes label key (``nvidia.com/gpu``) or a colon/slash-separated identifier
  (``aws:ec2/getAmi:getAmi``);
* ``label_shape`` — for token- and key-named values: words and small numbers joined by ``-``/``_``
  (``Red-1``, ``my_name_1``) name something; a token has randomness.

Everything here must let realistic credentials through: random values with ``_``, ``-``, ``.`` or
``/`` inside, and real passwords that merely contain a dictionary word (``2Password!9``).
"""
from __future__ import annotations

import re

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use

# --- password hashes ------------------------------------------------------------------------------

_B = r"[./A-Za-z0-9]"  # the crypt(3) base64 alphabet
_HASH_RE = lazy_re(
    "|".join((
        rf"^\$2[abxy]?\$\d\d\${_B}{{53}}$",  # bcrypt
        rf"^\$(?:1|5|6|md5|apr1|sha1)\$(?:rounds=\d+\$)?{_B}{{0,64}}\${_B}{{22,86}}$",  # md5/sha-crypt, apr1
        rf"^\$y\${_B}+\${_B}*\${_B}{{43}}$",  # yescrypt
        r"^\$argon2(?:id|i|d)\$(?:v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$",
        r"^\$(?:scrypt|7)\$[^\s$]+\$[^\s$]+(?:\$[^\s$]+)?$",
        r"^\$pbkdf2(?:-sha\d+)?\$\d+\$[./A-Za-z0-9+=]+\$[./A-Za-z0-9+=]+$",  # passlib
        # Django's hashers: algorithm$...$hash (pbkdf2_sha256$260000$salt$hash, argon2$argon2id$...,
        # bcrypt_sha256$$2b$12$..., sha1$salt$hex, scrypt$16384$salt$8$1$hash)
        r"^(?:pbkdf2_sha1|pbkdf2_sha256|pbkdf2_sha512|bcrypt_sha256|bcrypt|argon2|scrypt|sha1|md5|"
        r"unsalted_sha1|unsalted_md5|crypt)\$[^\s]*\$[A-Za-z0-9+/=.$]{8,}$",
        # LDAP / Dovecot / Spring Security DelegatingPasswordEncoder ({noop} is plain text: not here)
        r"^\{(?:SSHA|SHA|SMD5|MD5|SSHA256|SSHA512|SHA256|SHA512|CRYPT|BLF-CRYPT|SHA256-CRYPT|SHA512-CRYPT|"
        r"PBKDF2[-\w]*|ARGON2I?D?|bcrypt|pbkdf2|scrypt|sha256|argon2|MD4|ldap)\}[A-Za-z0-9+/=.$,-]{8,}$",
        r"^\*[0-9A-F]{40}$",  # MySQL PASSWORD()
        r"^md5[0-9a-f]{32}$",  # PostgreSQL md5
        r"^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$",  # PostgreSQL SCRAM
        r"^hmac-(?:sha1|sha256|sha384|sha512|md5):[0-9a-f]{32,128}$",  # Vault's audit log: a value's HMAC
    ))
)
_HEX_DIGEST_RE = lazy_re(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$", re.I)
_HASH_NAME_RE = lazy_re(r"(?i)hash|digest|checksum|sha\d|sha_?\d|md5|fingerprint|integrity|crc"
                        r"|(?:^|[^a-z])(?:ref|refs|rev|revision|commit|sha)(?:[^a-z]|$)")


def password_hash(value: str, symbol: str | None = None) -> str | None:
    """A stored password hash, or a hex digest bound to a hash-like name (``password_sha1``)."""
    if "$" in value or value.startswith(("{", "*", "md5", "SCRAM", "hmac-")):
        if _HASH_RE.match(value):
            return "password hash"
    if symbol and _HASH_NAME_RE.search(symbol) and _HEX_DIGEST_RE.match(value):
        return "hex digest bound to a hash name"
    return None


# --- public keys and certificates -----------------------------------------------------------------

_PUBLIC_RE = lazy_re(
    r"^(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)"
    r"(?:-cert-v01@openssh\.com)?\s+AAAA[A-Za-z0-9+/]{20,}"
    r"|^-----BEGIN (?:RSA |EC |DSA |OPENSSH |SSH2 |PGP )?PUBLIC KEY(?: BLOCK)?-----"
    r"|^-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE(?: REQUEST)?-----|^-----BEGIN NEW CERTIFICATE REQUEST-----"
    r"|^-----BEGIN (?:X509 CRL|DH PARAMETERS|EC PARAMETERS|PKCS7)-----"
    r"|^---- BEGIN SSH2 PUBLIC KEY ----"
    # base64 of an SSH public key blob, a SubjectPublicKeyInfo (RSA, EC P-256) or an X.509 certificate
    r"|^AAAA(?:B3NzaC1yc2E|C3NzaC1lZDI1NTE5|E2VjZHNhLXNoYTItbmlzdHA)"
    r"|^MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA|^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"
    r"|^MII[A-Za-z0-9+/]{3}CCA[A-Za-z0-9+/]{2}gAwIBAgI"
    r"|^age1[02-9ac-hj-np-z]{58}$"
)


_ETH_ADDRESS_RE = lazy_re(r"^0x[0-9a-fA-F]{40}$")  # an account or contract address (a private key is 64 digits)


def public_material(value: str) -> str | None:
    v = value.lstrip("\"' ")
    if _ETH_ADDRESS_RE.match(v):
        return "an Ethereum address (public)"
    if v.startswith("phc_"):
        return "a PostHog project key (public: it ships in the page)"
    if v.startswith("LS0tLS1CRUdJTi"):  # base64 of "-----BEGIN": a Kubernetes Secret's tls.crt, ca.crt
        import base64
        import binascii

        head = v[:96]
        try:
            pem = base64.b64decode(head[:len(head) // 4 * 4]).decode("ascii", "replace")
        except (binascii.Error, ValueError):
            pem = ""
        if _PUBLIC_RE.match(pem):
            return "public key or certificate (base64)"
    return "public key or certificate" if _PUBLIC_RE.match(v) else None


# --- documentation placeholders -------------------------------------------------------------------

# [secret], [plain text value], (your key), {api key}: words in brackets, no digits
_BRACKETED_RE = lazy_re(r"^(?:\[[A-Za-z][A-Za-z _-]{0,40}\]|\([A-Za-z][A-Za-z _-]{0,40}\)|\{[A-Za-z][A-Za-z _-]{0,40}\})$")
# HEADER.PAYLOAD.SIGNATURE, DB_PASSWORD, GITHUB_WEBHOOK_SECRET: upper-case words, no randomness
_UPPER_WORDS_RE = lazy_re(r"^[A-Z][A-Z0-9]{1,}(?:[._][A-Z][A-Z0-9]{1,})+$")  # AWS_S3_SECRET, DB_PASSWORD
_SECRET_WORD_RE = lazy_re(r"PASS|PWD|SECRET|TOKEN|KEY|CREDENTIAL|AUTH|API|SIGNATURE|PAYLOAD|HEADER|CERT")
# SQL / driver bind parameters and positional placeholders
_BIND_RE = lazy_re(r"^(?:\?|:[A-Za-z_][A-Za-z_.]*|@[A-Za-z_][A-Za-z_]*|\$\d{1,2}|\{\d{0,2}\}|%[sdv]|%\d\$s|__[A-Z_]+__)$")
# words that describe a value instead of being one; a value made only of these (and small numbers)
# is a dummy written by someone explaining something: some-password, pass+word, user:pass, my_name_1
_DUMMY_WORDS = frozenset("""
some my your our the a an this that other another new old any
fake dummy test tests testing sample example examples placeholder default fixture mock stub
foo bar baz qux quux spam eggs xyz abc
pass passwd password passwords pwd pw passphrase secret secrets word words key keys token tokens
api value values here there thing stuff text string
user users username name names login admin account db database app
wrong bad invalid incorrect correct right good valid expired current confirm confirmation repeat
cached stored saved real something really
hash hashed reset hex not only different non matching mismatch mismatched
generate generated get of above below to from with put set paste insert replace
should must be is long short random characters chars least at and or in for
""".split())
_WORD_SPLIT_RE = lazy_re(r"[^A-Za-z0-9]+")
_CAMEL_WORDS_RE = lazy_re(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_SECRET_HUMPS = frozenset(("secret", "password", "passwd", "pass", "pwd", "token", "key", "credential", "apikey"))
# passwordHash, testPassword, sqlAdminPassword: an identifier that names a secret, not a secret
_CAMEL_IDENT_RE = lazy_re(r"^[a-z]+(?:[A-Z][a-z]+){1,3}$")


def doc_placeholder(value: str) -> str | None:
    v = value.strip()
    if _BRACKETED_RE.match(v):
        return "placeholder in brackets"
    if _UPPER_WORDS_RE.match(v) and _SECRET_WORD_RE.search(v):
        return "names a variable or a part, not a value"
    if _BIND_RE.match(v):
        return "bind parameter"
    if "%" in v:
        from urllib.parse import unquote  # only here: urllib.parse brings ipaddress (~5 M instructions at start-up)

        v = unquote(v)
    words = [w for w in _WORD_SPLIT_RE.split(v.lower()) if w]
    if sum(not w.isdigit() for w in words) >= 2 and all(w in _DUMMY_WORDS or (w.isdigit() and len(w) <= 4) for w in words):
        return "self-describing dummy"
    stems = [w.rstrip("0123456789") for w in words]
    if len(words) >= 2 and all(x in _DUMMY_WORDS for x in stems) and _STANDIN_WORDS.intersection(stems):
        return "self-describing dummy"  # numbered words of a stand-in: test2_token1234 (admin:password1 is not)
    # TheSecretKeyObtainedFromDO, SuperSecretPassword: words about a secret, run together
    humps = _CAMEL_WORDS_RE.findall(v)
    if len(humps) >= 4 and "".join(humps) == v.rstrip("0123456789") and _SECRET_HUMPS.intersection(h.lower() for h in humps):
        return "self-describing dummy"
    if _CAMEL_IDENT_RE.match(v) and _SECRET_HUMPS.intersection(h.lower() for h in humps):
        return "names a variable, not a value"
    # sk_test_key_123, whsec_123, pi_123abc_secret_123abc: a vendor's prefix on a stand-in
    if _vendor_dummy(words):
        return "self-describing dummy after a vendor prefix"
    # token2, apptoken2, clienttoken2: dummy words run together, numbered
    m = _NUMBERED_RE.match(v)
    if m and (m.group(1).lower() in _TOKENISH or _dummy_compound(m.group(1).lower())):
        return "self-describing dummy"  # password2, apptoken2
    return None


_STANDIN_WORDS = frozenset("test tests testing fake dummy sample example mock stub placeholder foo bar baz".split())
_NUMBERED_RE = lazy_re(r"^([a-z]{4,30})\d{0,3}$")
_DUMMY_DIGITS_RE = lazy_re(r"^(?:123(?:abc)?|abc123|\d{1,3})$")
_VENDOR_DUMMY_WORDS = frozenset("live client webhook connection publishable restricted env access refresh auth".split())
_PLACEHOLDER_RUNS = ("abc123def456", "123abc456", "def456ghi789")
_PADDING_RE = lazy_re(r"^(?:123|456|789|1234|12345|123456|123abc|abc123)$")  # not 2@Password@2's 2


def _counting(d: str) -> bool:
    """1234567890123...: each digit one more than the last."""
    return len(d) >= 4 and all((int(b) - int(a)) % 10 == 1 for a, b in zip(d, d[1:]))


def _vendor_dummy(words: list[str]) -> bool:
    if any(r in w for w in words for r in _PLACEHOLDER_RUNS):
        return True  # sk_abc123def456ghi789
    if len(words) >= 2 and all(
            w in _DUMMY_WORDS or w in _VENDOR_DUMMY_WORDS or _PADDING_RE.match(w) for w in words) and any(
            _PADDING_RE.match(w) for w in words) and any(w in _TOKENISH or w == "auth" for w in words):
        return True  # secret_123, access_token_123, auth_123: a secret's own words padded with 123
    if len(words) < 2 or not words[0].isalpha() or (
            words[0] in _DUMMY_WORDS and words[0] not in ("test", "secret", "key", "token")) or not (
            len(words[0]) <= 5 or words[0] in _VENDOR_DUMMY_WORDS):
        return False
    rest = words[1:]
    dummy = [w in _DUMMY_WORDS or w in _VENDOR_DUMMY_WORDS for w in rest]
    filler = [bool(_DUMMY_DIGITS_RE.match(w)) or (w.isdigit() and _counting(w)) for w in rest]
    # a stand-in says what it is (test, key, secret ...) and pads with 123: Admin_123, Tiger_123 are passwords
    return all(a or b for a, b in zip(dummy, filler)) and any(filler) and any(dummy)
_COMPOUND_WORDS = _DUMMY_WORDS | frozenset("client server service plugin app user admin strong very".split())
_TOKENISH = frozenset("token key secret password passwd pass apikey credential hash".split())


def _dummy_compound(w: str) -> bool:
    """``w`` is two or more dummy words run together, one of them naming a secret (apptoken, clienttoken)."""
    best: list[list[str] | None] = [[]] + [None] * len(w)
    for i in range(1, len(w) + 1):
        for j in range(max(0, i - 12), i):
            prev = best[j]
            if prev is not None and w[j:i] in _COMPOUND_WORDS:
                best[i] = prev + [w[j:i]]
                break
    parts = best[len(w)]
    return bool(parts) and len(parts) >= 2 and bool(_TOKENISH.intersection(parts))


# --- right-hand sides that are not literals -------------------------------------------------------

_REGEX_LITERAL_RE = lazy_re(r"^/.*[\^$\\*+?{}\[\]()|].*/[dgimsuyv]*$|^\^.*\$$")
_REGEX_PARTS_RE = lazy_re(r"\.[*+]|\[\^|\\[dswbDSW]|\[[A-Za-z0-9]-[A-Za-z0-9][^\]]*\][+*?]")  # .* .+ [^ \d \s [a-z]+: a pattern
# Foo[...], pulumi.Output<...>, Optional[str]: a name with type arguments
_TYPE_RE = lazy_re(r"^[A-Za-z_][\w.]*(?:\[[\w., |\[\]]*\]|<[\w., |<>\[\]?]*>)[?;,)]*$")
# a call or an index expression, possibly cut at its first space: env("X", config.require(, os.environ[
# a nullable or union scalar type (PHPDoc's `password: ?string`, TypeScript's `string | null`)
_SCALAR = r"(?:string|str|int|integer|float|double|bool|boolean|array|mixed|null|number|object|any|unknown|bytes)"
_SCALAR_TYPE_RE = lazy_re(r"^(?:\?" + _SCALAR + r"|" + _SCALAR + r"(?:\s*\|\s*" + _SCALAR + r")+)[,;)]?$", re.I)
_CALL_RE = lazy_re(r"^[A-Za-z_$][\w$]*(?:(?:\.|->|::|\?\.)[A-Za-z_$][\w$]*)*[?!]?[(\[]")
_ENTITIES_RE = lazy_re(r"^(?:&(?:#\d{1,6}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});?)+$")
_ROUTE_RE = lazy_re(r"^[a-z_][a-z0-9_/]*#[a-z_][a-z0-9_]*[!?]?$")
_PARAM_REF_RE = lazy_re(r"^%(?:env\([\w:.-]+\)|[A-Za-z_][\w.-]*)%$")
_ATTR_SELECTOR_RE = lazy_re(r"""^(?:[a-z]+|[.#][\w-]+)?\[[\w:-]+[~|^$*]?=(?:"[^"]*"|'[^']*'|[\w-]+)\](?:$|[\s\[:].*$)""")
_SELECTOR_RE = lazy_re(r"^[.#][A-Za-z][\w-]*(?:(?:\s*[>+~]\s*|\s+)[.#]?[A-Za-z][\w-]*(?:\[[^\]\s]*\])?(?::[\w-]+)?)+$")
# what is left between the quotes of  "pw='" + pw + "'"  or  'x' . $pw . 'y'
_CONCAT_RE = lazy_re(r"""^["']?\s*(?:[+.&]|\|\|)\s*[\w$(@].*[\w)\]]\s*(?:[+.&]|\|\|)\s*["']?$|^["']\s*[+.&]\s*[\w$(@]|[\w)\]]\s*[+.&]\s*["']$""")
_SHELL_COMMAND_RE = lazy_re(r"^\$\{?[A-Za-z_]\w*\}?\s+\S")
_BETWEEN_LITERALS_RE = lazy_re(r"^\s*[,)]\s|\s[,(]\s*$")
_ABS_PATH_RE = lazy_re(r"^(?:~|\.{1,2})?/[\w.@%+-]+(?:/[\w.@%+-]*)+$")
_REL_FILE_RE = lazy_re(r"^[\w.-]+(?:/[\w.-]+)+\.[A-Za-z][A-Za-z0-9]{0,4}$")
# a Windows registry key or path: words between backslashes (SOFTWARE\Microsoft\..., shell\open\command,
# C:\Program Files\App), WiX's $(var.X) substitutions included
_BACKSLASH_PATH_RE = lazy_re(r"^(?:[A-Za-z]:)?[\w .$()%-]*[A-Za-z][\w .$()%-]*(?:\\[\w .$()%-]*[A-Za-z][\w .$()%-]*)+\\?$")
_VAULT_REF_RE = lazy_re(r"^[\w.-]+(?:/[\w.@-]+){2,}\s+[\w.-]+(?:\s*\|\s*[A-Za-z_][A-Za-z0-9_]*)?\s*;?$")
_PLAIN_URL_RE = lazy_re(r"^(?:[a-z][\w+.-]*:)?//[^\s@:/]+(?::\d+)?(?:/[^\s@]*)?$", re.I)
_LABEL_KEY_RE = lazy_re(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}/[A-Za-z0-9][\w.-]*$")
# one "word" of an identifier: lower case, Capitalised or camelCase words, an optional short
# number (ec2, v1, configKey1), or a short number alone
# 7.5.4, v2025.09-rust, ^1.2: a dependency's or a cache key's version, never a credential
_VERSION_RE = lazy_re(r"^[v^~=<>]{0,2}\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z][0-9A-Za-z.-]*)?$")
# test-root-ca.key, mosquitto_passwd.c, tracing.yaml (one or a few): a file's name, not its content
_FILE_EXT = (r"(?:c|cc|cpp|cxx|h|hpp|o|obj|a|so|dll|py|rb|go|rs|java|kt|js|ts|php|xml|xsl|html|md|txt|json|ya?ml"
             r"|toml|ini|cfg|conf|cnf|env|properties|key|pem|crt|cer|der|csr|p12|pfx|jks|keystore|pub|asc|gpg"
             r"|sh|sql|log|tar|gz|tgz|zip|lock|test)")
_BARE_FILE_RE = lazy_re(r"^(?:[A-Za-z0-9][\w.-]*\." + _FILE_EXT + r"\s+)*[A-Za-z0-9][\w.-]*\." + _FILE_EXT + r"$")
# reqData.password, smtp.password, random_password.master_password.result: a member access or a
# configuration key's dotted name (lower-case or camelCase segments; Summer.Time may be a password)
_MEMBER_SEG = r"[a-z_$][a-z0-9_$]*(?:[A-Z][a-z0-9_]*)*"
_MEMBER_RE = lazy_re(r"^" + _MEMBER_SEG + r"(?:\." + _MEMBER_SEG + r")+$")
# process.env.SPREE_SECRET_KEY, Rails.application.secret_key_base: an environment read, a member chain
_ENV_MEMBER_RE = lazy_re(r"^(?:[a-z_$][\w$]*\.)+[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+!?$|^[A-Z][a-z]+(?:\.[a-z_][a-z0-9_]*){2,}$")
# string) {, preferred_api_key).address.create(: the rest of a signature or of a call
_SIGNATURE_TAIL_RE = lazy_re(r"^(?:string|number|boolean|str|int|bool|any|String)\s*[),=]|^[a-z_][a-z0-9_]*\)")
# AWS_ACCOUNT_ID, SUBNET_ID_1 (a "Secret" column of a docs table): the name of a variable
_ENV_NAME_RE = lazy_re(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_MEMBER_WORD_RE = lazy_re(r"^[a-z_$]*[a-z]{2,}[a-z_$]*\d{0,2}$|^[a-z]+(?:[A-Z][a-z]+)+\d{0,2}$")
# "is unsafe", "must be at least 8 characters", "Invalid/missing username": a validation message
_MESSAGE_RE = lazy_re(r"^(?:is|are|must|should|cannot|can't|does|doesn't|did|has|was|were|not)\s+\S"
                      r"|^(?:invalid|missing|wrong|bad|incorrect)[/ ]|^(?:internal|unknown|unexpected) error$"
                      # "ALLDEBRID_API_KEY is invalid", "Your token has expired": a message about a name
                      r"|^(?:\S+\s+){1,3}(?:is|are|must|should|has|was|were|cannot|can't)\s+(?:not\s+|been\s+)?"
                      r"(?:invalid|missing|required|wrong|expired|incorrect|empty|set|unset|defined|undefined|needed"
                      r"|too|a|an|the|valid|revoked|provided|given)\b", re.I)
# -e webapp_version=xxx, id=BUNDLE_PACKAGER__DEV (docker build --secret id=...): options, not values
_OPTION_RE = lazy_re(r"^-{1,2}[A-Za-z][\w-]*[ =]\S|^(?:id|src|source|env|type|target|dst|mode)=[A-Za-z_][\w.-]*"
                     r"(?:,(?:id|src|source|env|type|target|dst|mode)=[A-Za-z_][\w.-]*)*$")
# @provider.prefix.charAt(0), @Model.Password: a Razor/Twirl/Blade expression in a template
_TEMPLATE_EXPR_RE = lazy_re(r"^@[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(.*)?$|^@[A-Za-z_][\w.]*\(")
# "The password for the database", "A challenge password": words that name the credential
_NAMING_WORDS_RE = lazy_re(r"^(?:the|a|an|your|our|this)\s+(?:\S+\s+){0,6}\S+$", re.I)
_SECRET_NOUN_RE = lazy_re(r"(?i)\b(?:password|passphrase|secret|token|key|credentials?)\b")
# App\Http\Controllers\UsersController@showsecret, Foo::Bar: a class or controller reference
# validation rules joined by "|" (Laravel, Yii, CodeIgniter ...): 'required|min:6|confirmed'
_RULE_LIST_RE = lazy_re(r"^[a-z][a-z_]*(?::[\w,.:-]*)?(?:\|[a-z][a-z_]*(?::[\w,.:-]*)?)+$")
_VALIDATION_WORD_RE = lazy_re(r"(?:^|\|)(?:required\w*|nullable|sometimes|string|integer|numeric|boolean|email|uuid"
                              r"|confirmed|min|max|size|between|in|regex|alpha\w*|array|url|date|exists|unique|same|different)(?=$|[|:])")
_FLAGS_RE = lazy_re(r"^[A-Za-z](?:,[A-Za-z])+$")
# GraphQL's built-in scalars, optionally non-null (!) or in a list ([String!]!)
_GRAPHQL_TYPE_RE = lazy_re(r"^\[?(?:String|ID|Int|Float|Boolean)!?\]?!?$")
# (or a route's controller action alone: 'SettingsController@passwordUpdate')
_CLASS_REF_RE = lazy_re(r"^[A-Z]\w*(?:(?:\\|::)[A-Z]\w*)+(?:@\w+)?$|^[A-Z]\w*Controller@[a-z_]\w*$")
_WORDY_RE = lazy_re(r"^(?:[a-z]+|[A-Z][a-z]{2,}|[A-Z]{1,6})(?:[A-Z][a-z]{2,})*\d{0,2}$|^v?\d{1,2}$")


def _wordy(segments: list[str]) -> bool:
    return len(segments) >= 2 and all(_WORDY_RE.match(s) for s in segments)


def not_a_literal(value: str) -> str | None:
    v = value.strip()
    if _REGEX_LITERAL_RE.match(v) or _REGEX_PARTS_RE.search(v):
        return "regular expression"
    if _TYPE_RE.match(v) or _SCALAR_TYPE_RE.match(v):
        return "type annotation"
    if _CALL_RE.match(v):
        return "call or index expression"
    if _ENTITIES_RE.match(v):
        return "HTML-escaped punctuation"  # &#039;&quot in generated HTML listings of source code
    if _ROUTE_RE.match(v):
        return "controller#action route"  # get "forgot_password" => "password_resets#forgot_password"
    if _PARAM_REF_RE.match(v):
        return "configuration parameter reference"  # Symfony's '%kernel.secret%', '%env(APP_SECRET)%'
    if _SELECTOR_RE.match(v) or _ATTR_SELECTOR_RE.match(v):
        return "CSS selector"  # '.elevation-password input', '[data-cy="password"]'

    if _SHELL_COMMAND_RE.match(v):
        return "shell command"  # creds="$dcr --no-deps -T relay credentials"
    if ("'" in v or '"' in v or value[:1].isspace()) and _CONCAT_RE.search(v):
        return "string concatenation"
    if _BETWEEN_LITERALS_RE.search(value):
        return "code between two string literals"  # addCriterion("password =", value, "password")
    if _ABS_PATH_RE.match(v) or _REL_FILE_RE.match(v):
        return "file path"
    if "\\" in v and _BACKSLASH_PATH_RE.match(v):
        return "a Windows path or registry key"
    if _VAULT_REF_RE.match(v):
        return "a Vault path and key"  # vault-action's `secrets: secret/data/ci app_secret | APP_SECRET ;`
    if _PLAIN_URL_RE.match(v):
        return "URL without credentials"
    if _LABEL_KEY_RE.match(v):
        return "label key"
    if _VERSION_RE.match(v):
        return "version number"
    if _BARE_FILE_RE.match(v):
        return "file name"
    if _MEMBER_RE.match(v) and all(_MEMBER_WORD_RE.match(s) for s in v.split(".")):
        return "member access or dotted key name"
    if _ENV_MEMBER_RE.match(v) or _SIGNATURE_TAIL_RE.match(v):
        return "member access or the rest of a signature"
    if _ENV_NAME_RE.match(v) and _TWO_UPPER_WORDS_RE.search(v):
        return "the name of a variable"
    if _CLASS_REF_RE.match(v):
        return "class reference"
    if _OPTION_RE.match(v):
        return "command-line option or key=value argument"
    if _TEMPLATE_EXPR_RE.match(v):
        return "template expression"
    if _MESSAGE_RE.match(v):
        return "a message"
    if _NAMING_WORDS_RE.match(v) and _SECRET_NOUN_RE.search(v):
        return "words naming a credential"
    if (":" in v or "/" in v) and " " not in v and _wordy([s for s in _PATH_PARTS_RE.split(v) if s]):
        return "identifier path"
    if ":" in v and "|" in v and " " not in v and _wordy([s for s in _FORMAT_SEPARATORS_RE.split(v) if s]):
        return "a format description"  # key:value|key1:value1: how to write the setting
    if _RULE_LIST_RE.match(v) and _VALIDATION_WORD_RE.search(v):
        return "validation rules"  # Laravel's 'required|string|confirmed', 'string|check'
    if _FLAGS_RE.match(v):
        return "list of flags"  # 'c,r,u,d': a permission's actions
    if _GRAPHQL_TYPE_RE.match(v):
        return "GraphQL type"  # password: String!, id: ID!, tokens: [String]
    for rx, why in _NOT_VALUES:
        if rx.match(v):
            return why
    return None


# more shapes of text that is no value (QA round 4), each with the case it was found on
_NOT_VALUES = (
    # `mountain_pass=yes: DE:Tag:mountain pass=yes`: a YAML key holding `=`, read as name=value
    (lazy_re(r"^[\w.-]+:[ \t]+\S"), "a mapping's text"),
    # HREF_TOKEN = "href=\"": the text a parser looks for
    (lazy_re(r"^[a-z][a-z-]*=[\"']?$"), "markup"),
    # <KeyRoundIcon />{t("setting.account.change-password")}
    (lazy_re(r"^\{\s*[A-Za-z_$][\w$.]*\s*(?:\(.*\))?\s*\}$"), "a JSX expression"),
    # AUTH_HMAC_SHA256 = 'hmac-sha256' (a choice's value)
    (lazy_re(r"(?i)^(?:hmac[-_]?)?(?:sha-?(?:1|224|256|384|512)|md5|sha3-\d+|blake2[bs]?|aes-?\d*(?:-(?:cbc|gcm|ctr|ecb))?"
             r"|des|3des|rsa|ecdsa|ed25519|hs256|hs384|hs512|rs256|es256)$"), "an algorithm's name"),
    # AUTHENTICATION_BACKENDS = 'EmailAuthBackend,LDAPAuthBackend'
    (lazy_re(r"^[A-Z][a-z]+[A-Za-z0-9]*(?:[ \t]*,[ \t]*[A-Z][a-z]+[A-Za-z0-9]*)+,?$"), "a list of names"),
    # REMOTE_AUTH_BACKEND = 'social_core.backends.google.GoogleOAuth2': three parts or more, packages first
    (lazy_re(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+\.[A-Za-z_][A-Za-z0-9_]*$"), "a dotted import path"),
    # $errors->first('password', '<span class="alert-msg">...'): an HTML tag, whole or cut at a quoted attribute
    (lazy_re(r"^<[a-z][a-z0-9-]*(?:/?>|\s+[a-z][\w:-]*(?:=|\s|/?>|$))"), "markup"),
    # $('#modal-password')
    (lazy_re(r"^[#.][a-z][a-z0-9]*(?:[-_][a-z0-9]+)+$"), "a CSS selector"),
    # 'AUTH_JWT_SECRET=' + require('crypto')...: the rest of a concatenation, code
    (lazy_re(r"^(?:['\"`][ \t]*)?\+[ \t]+[A-Za-z_$(]|^['\"`][ \t]*\+[ \t]*[A-Za-z_$(]"), "a concatenation (code)"),
    # token = "\x91/sf\x91": a parser's marker; no credential holds control characters
    (lazy_re("(?s)^.*[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"), "control characters"),
)


_FORMAT_SEPARATORS_RE = lazy_re(r"[:|,;]+")
_CAMEL_RE = lazy_re(r"^(?:[a-z]+|[A-Z][a-z]{2,})(?:[A-Z][a-z]{2,})+(?:Id|Ids|ID|IDs)?\d{0,2}$")


_LETTER_WORDS_RE = lazy_re(r"^[A-Za-z]+(?: [A-Za-z]+){1,2}$")
_LOWER_WORD_RE = lazy_re(r"^[a-z]{2,16}\d{0,2}$")
_CAPITAL_WORD_RE = lazy_re(r"^[A-Z][a-z]{2,16}$")


# inline patterns of the functions here, compiled (from the cache) on first use, not by re's own parser
_TWO_UPPER_WORDS_RE = lazy_re(r"[A-Z]{2,}_[A-Z]{2,}")
_PATH_PARTS_RE = lazy_re(r"[:/._-]+")
_NOT_LABEL_CHAR_RE = lazy_re(r"[^\w.-]")
_LABEL_PARTS_RE = lazy_re(r"[._-]+")


def label_shape(value: str) -> str | None:
    """Words and small numbers joined by ``-``, ``_`` or ``.`` (``Red-1``, ``my_name_1``,
    ``_sa_default``) or a camelCase identifier (``RoleAssignment``, ``configValue1``): a label or
    an identifier. Judged only for token- and key-named values, not for passwords."""
    v = value.strip().strip("_")
    if _NOT_LABEL_CHAR_RE.search(v):
        return None
    if _CAMEL_RE.match(v):
        return "label or identifier"
    return "label or identifier" if _wordy([s for s in _LABEL_PARTS_RE.split(v) if s]) else None


_TOKEN_NAME_RE = lazy_re(r"(?i)token|(?:^|[^a-z])key(?:[^a-z]|$)|[a-z]Key|apikey|api_key|auth")


def word_shape(value: str, symbol: str) -> str | None:
    """For a value bound to a token- or key-like name (not a password's): one short lower-case word
    (``token = 'keyword'``, a lexer's token type; ``Token: "client1"``) or a few words of letters
    (``"ApiKeyx clienttoken"``, ``"Application name"``) is a label or text; a token has randomness."""
    if password_named(symbol) or not _TOKEN_NAME_RE.search(symbol):
        return None
    v = value.strip()
    if _LETTER_WORDS_RE.match(v):
        return "words, not a token"
    if _LOWER_WORD_RE.match(v) or _CAPITAL_WORD_RE.match(v):
        return "a word, not a token"  # search_token = "Category"
    return None


# names whose values may be words (a password, a passphrase, a signing secret); a token or a key has randomness
_PASSWORD_NAME_RE = lazy_re(r"(?i)pass|pwd|contrase|kennwort|parol|secret|credential|private[_.-]?key")
_PASSPHRASE_NAME_RE = lazy_re(r"(?i)passphrase|pass_phrase|pass-phrase|mnemonic|seed_?words")


def password_named(symbol: str | None) -> bool:
    return bool(symbol) and bool(_PASSWORD_NAME_RE.search(symbol or ""))


def passphrase_named(symbol: str | None) -> bool:
    return bool(symbol) and bool(_PASSPHRASE_NAME_RE.search(symbol or ""))
