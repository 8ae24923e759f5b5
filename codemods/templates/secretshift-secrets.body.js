// Read secrets from AWS Secrets Manager (AWS SDK for JavaScript v3), cached in this process.
//
// getSecret(secretId, jsonKey?)     -> Promise: the secret parsed as a JSON object when it is one, else
//                                      the string (a Buffer for a binary secret); with jsonKey, that key's value.
// getSecretSync(secretId, jsonKey?) -> the same, synchronously, for code where `await` is not valid: a
//                                      child Node process fetches the secret (blocks ~0.2 s on a miss).
// clearSecretCache()                -> forget every cached value.
//
// One cached lookup per secret for SECRETSHIFT_SECRET_TTL seconds (default 300), in memory only. The
// client honours AWS_REGION (or AWS_DEFAULT_REGION), AWS_ENDPOINT_URL_SECRETS_MANAGER and
// AWS_ENDPOINT_URL, and takes credentials from the default chain (an IAM role in production). Where
// neither the environment nor the AWS config file names a region, it uses FALLBACK_REGION: the region
// the secrets were created in.
// Errors name the secret, never its value.

const TTL_MS = Number(process.env.SECRETSHIFT_SECRET_TTL || "300") * 1000; // secretshift: allow (a setting)
const cache = new Map(); // secretId -> { expires, value?, pending? }
let client = null; // Promise of the client
// the region the secrets were created in (secretshift writes it), for where none is configured
const FALLBACK_REGION = undefined;

class SecretError extends Error {
  constructor(message, secretId) {
    super(message);
    this.name = "SecretError";
    this.secretId = secretId;
  }
}
class SecretNotFoundError extends SecretError {
  constructor(secretId) {
    super(`secret ${JSON.stringify(secretId)} was not found`, secretId);
    this.name = "SecretNotFoundError";
  }
}
class SecretAccessDeniedError extends SecretError {
  constructor(secretId) {
    super(`access to secret ${JSON.stringify(secretId)} was denied`, secretId);
    this.name = "SecretAccessDeniedError";
  }
}
class SecretKeyError extends SecretError {
  constructor(secretId, key) {
    super(`secret ${JSON.stringify(secretId)} has no key ${JSON.stringify(key)}`, secretId);
    this.name = "SecretKeyError";
  }
}

function settings() {
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined;
  const endpoint = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER // secretshift: allow (an endpoint, not a secret)
    || process.env.AWS_ENDPOINT_URL || undefined;
  return { region, endpoint };
}

function failure(name, secretId) {
  if (name === "ResourceNotFoundException") return new SecretNotFoundError(secretId);
  if (name === "AccessDeniedException" || name === "AccessDeniedError") return new SecretAccessDeniedError(secretId);
  return new SecretError(`could not read secret ${JSON.stringify(secretId)} (${name || "error"})`, secretId);
}

function decode(secretString, binary) {
  if (secretString === undefined || secretString === null) return Buffer.from(binary || "", "base64");
  try {
    const obj = JSON.parse(secretString);
    if (obj !== null && typeof obj === "object" && !Array.isArray(obj)) return obj;
  } catch (_) {
    // not JSON: the plain string
  }
  return secretString;
}

function pick(secretId, value, jsonKey) {
  if (jsonKey === undefined || jsonKey === null) return value;
  if (value === null || typeof value !== "object" || Buffer.isBuffer(value) || !(jsonKey in value)) {
    throw new SecretKeyError(secretId, jsonKey);
  }
  return value[jsonKey];
}

async function newClient() {
  const s = settings();
  const c = new SecretsManagerClient(s);
  if (s.region || !FALLBACK_REGION) return c;
  try {
    await c.config.region(); // the AWS config file's region, which the SDK reads itself
    return c;
  } catch (_) {
    return new SecretsManagerClient({ ...s, region: FALLBACK_REGION }); // a process given no region
  }
}

async function fetchSecret(secretId) {
  if (client === null) client = newClient();
  try {
    const out = await (await client).send(new GetSecretValueCommand({ SecretId: secretId }));
    return decode(out.SecretString, out.SecretBinary ? Buffer.from(out.SecretBinary).toString("base64") : "");
  } catch (e) {
    throw failure(e && e.name, secretId);
  }
}

function getSecret(secretId, jsonKey) {
  const now = Date.now();
  let entry = cache.get(secretId);
  if (!entry || entry.expires <= now) {
    entry = { expires: now + TTL_MS };
    entry.pending = fetchSecret(secretId).then(
      (value) => { entry.value = value; entry.has = true; return value; },
      (err) => { if (cache.get(secretId) === entry) cache.delete(secretId); throw err; });
    cache.set(secretId, entry);
  }
  return entry.pending.then((value) => pick(secretId, value, jsonKey));
}

// The child process: CommonJS, resolves the SDK from this module's folder, prints a JSON line.
const CHILD = `
__SECRETSHIFT_CHILD__`;

function getSecretSync(secretId, jsonKey) {
  const now = Date.now();
  const entry = cache.get(secretId);
  if (entry && entry.has && entry.expires > now) return pick(secretId, entry.value, jsonKey);
  let out;
  try {
    out = JSON.parse(execFileSync(process.execPath, ["-e", CHILD, secretId, FALLBACK_REGION || ""],
      { cwd: HERE, env: process.env, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 60000 }));
  } catch (e) {
    throw new SecretError(`could not read secret ${JSON.stringify(secretId)} (the fetching process failed)`, secretId);
  }
  if (out.e) throw failure(out.e, secretId);
  const value = decode(out.s, out.b);
  cache.set(secretId, { expires: now + TTL_MS, value, has: true, pending: Promise.resolve(value) });
  return pick(secretId, value, jsonKey);
}

function clearSecretCache() {
  cache.clear();
}
