const sdk = require(require.resolve("@aws-sdk/client-secrets-manager", { paths: [process.cwd()] }));
const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined;
const endpoint = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER || process.env.AWS_ENDPOINT_URL || undefined; // secretshift: allow
const fallback = process.argv[2] || undefined; // the region the secrets were created in
const c = new sdk.SecretsManagerClient({ region, endpoint });
(region || !fallback ? Promise.resolve(c)
  : Promise.resolve().then(() => c.config.region()).then(() => c,
    () => new sdk.SecretsManagerClient({ region: fallback, endpoint })))
  .then((cl) => cl.send(new sdk.GetSecretValueCommand({ SecretId: process.argv[1] })))
  .then((o) => process.stdout.write(JSON.stringify(o.SecretString !== undefined
    ? { s: o.SecretString } : { b: Buffer.from(o.SecretBinary || []).toString("base64") })),
    (e) => process.stdout.write(JSON.stringify({ e: (e && e.name) || "Error" })));
