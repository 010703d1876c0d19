// An OpenID Connect provider for the sign-in tests: panva's oidc-provider (package.json),
// listening on 127.0.0.1 only.
//
//   node tests/oidc/provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI ACCOUNTS_JSON
//
// ACCOUNTS_JSON is a file of {"account id": {claims}}, read again at every sign-in, so a
// test changes someone's groups by rewriting it. Signing in is a plain form asking for the
// account id (no password; it loads nothing from elsewhere); consent is taken as given.
//
// Two more discovery documents play a misconfigured or hostile provider:
//   /impostor/.well-known/openid-configuration  the real document: it names the real issuer
//   /lying/.well-known/openid-configuration     claims the issuer ISSUER/lying, while the
//                                               tokens still carry the real issuer
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const [port, clientId, clientSecret, redirectUri, accountsFile] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

function accounts() {
  return JSON.parse(readFileSync(accountsFile, "utf8"));
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name", "preferred_username", "groups"],
  },
  cookies: { keys: ["sign-in-tests-only"] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
});

provider.use(async (ctx, next) => {
  const fake = /^\/(impostor|lying)\/\.well-known\/openid-configuration$/.exec(ctx.path);
  if (!fake) return next();
  ctx.path = "/.well-known/openid-configuration";
  await next();
  if (fake[1] === "lying") ctx.body = { ...ctx.body, issuer: `${issuer}/lying` };
});

const page = (uid) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title>
<link rel="icon" href="data:,"></head>
<body><main><h1>Test identity provider</h1>
<form method="post" action="/interaction/${uid}/login">
<label for="account">Account</label> <input id="account" name="account" autofocus>
<button type="submit">Continue</button></form></main></body></html>`;

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== match[1]) ctx.throw(400, "unknown interaction");
  if (ctx.method === "GET" && !match[2]) {
    ctx.type = "html";
    ctx.body = page(details.uid);
    return undefined;
  }
  if (ctx.method !== "POST" || !match[2]) ctx.throw(405);
  const account = (await formBody(ctx.req)).get("account") || "";
  const result = accounts()[account]
    ? { login: { accountId: account } }
    : { error: "access_denied", error_description: "no such account" };
  const to = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.redirect(to);
  return undefined;
});

provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`listening ${issuer}`);
});
