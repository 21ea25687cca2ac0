// A purpose-built OpenID Provider for negative conformance tests, modelled on the OpenID
// Foundation's relying-party checks: in-process (node:http on 127.0.0.1:<random>), signing with
// `jose` (RS256 ×2, ES256, EdDSA keys generated at start, all in the JWKS; HS256 with the client
// secret). It auto-approves: GET /authorize redirects at once to the redirect_uri with
// code + state (+ iss). Each named case breaks exactly one rule (or exercises one thing a client
// must accept); set it with `op.setCase(name)` before the login.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import * as jose from "jose";

export const PUBLIC_CLIENT = "conformance-public";
export const CONFIDENTIAL_CLIENT = "conformance-confidential";
export const CONFIDENTIAL_SECRET = "conformance-secret-0123456789-abcdefghij";
/** A confidential client whose secret form-encoding changes (`/`, `+`, `=`), for the Basic fallback. */
export const SLASHY_CLIENT = "conformance-slashy";
export const SLASHY_SECRET = "slashy/secret+with=0123456789";
const STATIC_CLIENTS: Record<string, string | undefined> = {
  [PUBLIC_CLIENT]: undefined,
  [CONFIDENTIAL_CLIENT]: CONFIDENTIAL_SECRET,
  [SLASHY_CLIENT]: SLASHY_SECRET,
};
export const SUB = "alice";
/** The ID token's account claims, by scope: preferred_username and name with `profile`, email with `email`. */
export const PREFERRED_USERNAME = "alice.liddell";
export const EMAIL = `${SUB}@example.test`;

type Alg = "RS256" | "ES256" | "EdDSA" | "HS256" | "none";
type KeyId = "rs1" | "rs2" | "es1" | "ed1";

/** How the OP behaves; each case changes one field from the default. */
export interface Behaviour {
  alg: Alg;
  /** kid in the ID token header; null = no kid. Default: the key of the alg (rs1 for RS256). */
  kid?: KeyId | null;
  /** Sign with this key (default: the one named by kid, or the alg's first key). */
  signWith?: KeyId;
  badSignature: boolean;
  /** Put an ID token in the code exchange's response. */
  idToken: boolean;
  /** Change the ID token's claims (after the correct ones are set). */
  claims?: (c: Record<string, unknown>, ctx: { clientId: string; issuer: string }) => void;
  advertiseIss: boolean;
  authzIss: "right" | "wrong" | "missing";
  authzState: "right" | "wrong";
  tokenType: string;
  scope: boolean;
  expiresIn: boolean;
  userinfoSub: string;
  /** Appended to the issuer in the discovery document (not where it is served). */
  discoveryIssuerSuffix: string;
  jwks: "served" | "404";
  /** On refresh: a new refresh token each time (the old one is then dead), or none (the old one lives on). */
  refresh: "rotate" | "omit";
  /** Dynamic registration (RFC 7591) at /register: not offered, open, or only with a Bearer credential. */
  registration: "off" | "open" | "needs-token";
  /** Basic credentials form-decoded (RFC 6749 §2.3.1), or taken raw (a common provider bug). */
  basicDecoding: "form" | "raw";
  /** A requested scope the token response's `scope` leaves out. */
  scopeDrop?: string;
}

const DEFAULT: Behaviour = {
  alg: "RS256",
  badSignature: false,
  idToken: true,
  advertiseIss: true,
  authzIss: "right",
  authzState: "right",
  tokenType: "Bearer",
  scope: true,
  expiresIn: true,
  userinfoSub: SUB,
  discoveryIssuerSuffix: "",
  jwks: "served",
  refresh: "rotate",
  registration: "off",
  basicDecoding: "form",
};

/** Cases a client must refuse: the CLI exits 6 naming `check`. */
export const NEGATIVE_CASES = {
  "id_token-iss-invalid": { check: "id_token.iss", b: { claims: (c) => void (c.iss = "https://attacker.example") } },
  "id_token-aud-invalid": { check: "id_token.aud", b: { claims: (c) => void (c.aud = "some-other-client") } },
  "id_token-nonce-invalid": { check: "id_token.nonce", b: { claims: (c) => void (c.nonce = "not-the-nonce-sent") } },
  "id_token-signature-invalid-RS256": { check: "id_token.signature", b: { alg: "RS256", badSignature: true } },
  "id_token-signature-invalid-ES256": { check: "id_token.signature", b: { alg: "ES256", badSignature: true } },
  "id_token-signature-invalid-EdDSA": { check: "id_token.signature", b: { alg: "EdDSA", badSignature: true } },
  "id_token-signature-invalid-HS256": { check: "id_token.signature", b: { alg: "HS256", badSignature: true }, confidential: true },
  "id_token-alg-none": { check: "id_token.alg", b: { alg: "none" } },
  "id_token-kid-absent-multiple-keys": { check: "id_token.kid", b: { alg: "RS256", kid: null } },
  "id_token-expired": {
    check: "id_token.exp",
    b: {
      claims: (c) => {
        c.iat = now() - 7200;
        c.exp = now() - 3600;
      },
    },
  },
  "id_token-iat-missing": { check: "id_token.iat", b: { claims: (c) => void delete c.iat } },
  "id_token-sub-missing": { check: "id_token.sub", b: { claims: (c) => void delete c.sub } },
  "id_token-azp-missing-multiple-aud": { check: "id_token.azp", b: { claims: (c, x) => void (c.aud = [x.clientId, "another-audience"]) } },
  "id_token-at_hash-wrong": { check: "id_token.at_hash", b: { claims: (c) => void (c.at_hash = "AAAAAAAAAAAAAAAAAAAAAA") } },
  "authorization-response-iss-wrong": { check: "iss", b: { authzIss: "wrong" } },
  "authorization-response-iss-missing": { check: "iss", b: { authzIss: "missing" } },
  "discovery-issuer-mismatch": { check: "discovery.issuer", b: { discoveryIssuerSuffix: "/other" } },
  "token-response-without-id_token-for-openid": { check: "id_token.present", b: { idToken: false } },
  // better-auth 1.6's HS256 tokens may lack iss (a known deviation); a signed one from the same dialect may not.
  "id_token-without-iss-RS256-better-auth-1.6-dialect": {
    check: "id_token.iss",
    b: { claims: (c) => void delete c.iss },
    args: ["--dialect", "better-auth-1.6"],
  },
} satisfies Record<string, { check: string; b: Partial<Behaviour>; confidential?: boolean; args?: string[] }>;

/** Cases a client must accept: the CLI exits 0. */
export const POSITIVE_CASES = {
  "token_type-lowercase-bearer": { b: { tokenType: "bearer" } },
  "token_type-uppercase-BEARER": { b: { tokenType: "BEARER" } },
  "token-response-without-scope": { b: { scope: false } },
  "token-response-without-expires_in": { b: { expiresIn: false } },
  "id_token-alg-RS256": { b: { alg: "RS256" } },
  "id_token-alg-ES256": { b: { alg: "ES256" } },
  "id_token-alg-EdDSA": { b: { alg: "EdDSA" } },
  "id_token-alg-HS256-client-secret": { b: { alg: "HS256" }, confidential: true },
  "id_token-kid-selects-second-RSA-key": { b: { alg: "RS256", kid: "rs2" } },
  "id_token-kid-absent-single-key-of-alg": { b: { alg: "ES256", kid: null } },
  "authorization-response-without-iss-not-advertised": { b: { advertiseIss: false, authzIss: "missing" } },
  "id_token-without-iss-HS256-better-auth-1.6-dialect": {
    b: { alg: "HS256", claims: (c) => void delete c.iss },
    confidential: true,
    args: ["--dialect", "better-auth-1.6"],
  },
} satisfies Record<string, { b: Partial<Behaviour>; confidential?: boolean; args?: string[] }>;

/** Other cases, exercised by their own tests. */
export const OTHER_CASES = {
  default: {},
  "authorization-response-state-mismatch": { authzState: "wrong" },
  "userinfo-sub-mismatch": { userinfoSub: "mallory" },
  "refresh-omits-refresh_token": { refresh: "omit" },
  "jwks-404": { jwks: "404" },
  "dynamic-registration": { registration: "open" },
  "registration-needs-token": { registration: "needs-token" },
  "basic-not-form-decoded": { basicDecoding: "raw" },
  "token-response-scope-without-email": { scopeDrop: "email" },
} satisfies Record<string, Partial<Behaviour>>;

export type CaseName = keyof typeof NEGATIVE_CASES | keyof typeof POSITIVE_CASES | keyof typeof OTHER_CASES;

export function behaviourOf(name: CaseName): Behaviour {
  const entry =
    (NEGATIVE_CASES as Record<string, { b: Partial<Behaviour> }>)[name]?.b ??
    (POSITIVE_CASES as Record<string, { b: Partial<Behaviour> }>)[name]?.b ??
    (OTHER_CASES as Record<string, Partial<Behaviour>>)[name];
  if (!entry) throw new Error(`unknown conformance case ${name}`);
  return { ...DEFAULT, ...entry };
}

const now = () => Math.floor(Date.now() / 1000);
const scopes = (g: { scope: string }) => g.scope.split(/\s+/);
const token = (n = 24) => randomBytes(n).toString("base64url");
const b64url = (b: Buffer) => b.toString("base64url");

interface Grant {
  clientId: string;
  scope: string;
  nonce?: string;
}
interface PendingCode extends Grant {
  redirectUri: string;
  codeChallenge: string;
}

export interface ConformanceOp {
  issuer: string;
  port: number;
  /** Select the behaviour for what follows (default: `default`). */
  setCase(name: CaseName): void;
  readonly caseName: CaseName;
  /** Every request the OP answered: "GET /authorize", "POST /token grant=refresh_token", … */
  readonly requests: string[];
  /** The refresh tokens presented at the token endpoint, in order. */
  readonly refreshTokensPresented: string[];
  /** The refresh tokens issued, in order. */
  readonly refreshTokensIssued: string[];
  stop(): Promise<void>;
}

export async function startConformanceOp(initialCase: CaseName = "default"): Promise<ConformanceOp> {
  const keys = {} as Record<KeyId, { alg: Exclude<Alg, "HS256" | "none">; priv: CryptoKey; jwk: jose.JWK }>;
  const gen = async (kid: KeyId, alg: "RS256" | "ES256" | "EdDSA") => {
    const { privateKey, publicKey } = await jose.generateKeyPair(alg, {
      extractable: true,
      ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}),
    });
    const jwk = await jose.exportJWK(publicKey);
    keys[kid] = { alg, priv: privateKey as CryptoKey, jwk: { ...jwk, kid, alg, use: "sig" } };
  };
  await Promise.all([gen("rs1", "RS256"), gen("rs2", "RS256"), gen("es1", "ES256"), gen("ed1", "EdDSA")]);
  const firstKeyOf: Record<string, KeyId> = { RS256: "rs1", ES256: "es1", EdDSA: "ed1" };

  // The fixed clients, and the ones registered at /register since the start.
  const CLIENTS: Record<string, string | undefined> = { ...STATIC_CLIENTS };
  let registered = 0;
  let caseName: CaseName = initialCase;
  let b = behaviourOf(caseName);
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, Grant>();
  const refreshTokens = new Map<string, Grant & { live: boolean; family: Set<string> }>();
  const requests: string[] = [];
  const refreshTokensPresented: string[] = [];
  const refreshTokensIssued: string[] = [];
  let issuer = "";

  const metadata = () => ({
    issuer: issuer + b.discoveryIssuerSuffix,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256", "ES256", "EdDSA", "HS256"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    code_challenge_methods_supported: ["S256"],
    ...(b.registration !== "off" ? { registration_endpoint: `${issuer}/register` } : {}),
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "nonce", "at_hash", "email", "name", "preferred_username"],
    ...(b.advertiseIss ? { authorization_response_iss_parameter_supported: true } : {}),
  });

  function atHash(accessToken: string, alg: Alg): string {
    const digest = createHash(alg === "EdDSA" ? "sha512" : "sha256")
      .update(accessToken)
      .digest();
    return b64url(digest.subarray(0, digest.length / 2));
  }

  async function idToken(grant: Grant, accessToken: string): Promise<string> {
    const t = now();
    const claims: Record<string, unknown> = {
      iss: issuer,
      sub: SUB,
      aud: grant.clientId,
      iat: t,
      exp: t + 600,
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
      at_hash: atHash(accessToken, b.alg),
      ...(scopes(grant).includes("profile") ? { preferred_username: PREFERRED_USERNAME, name: "Alice" } : {}),
      ...(scopes(grant).includes("email") ? { email: EMAIL } : {}),
    };
    b.claims?.(claims, { clientId: grant.clientId, issuer });
    if (b.alg === "none") {
      const enc = (o: object) => b64url(Buffer.from(JSON.stringify(o)));
      return `${enc({ alg: "none", typ: "JWT" })}.${enc(claims)}.`;
    }
    let jwt: string;
    if (b.alg === "HS256") {
      const secret = b.badSignature ? "not-the-client-secret-0123456789abcdef" : CLIENTS[grant.clientId];
      if (!secret) throw new Error("HS256 needs a confidential client");
      jwt = await new jose.SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
      return jwt;
    }
    const kid = b.kid === undefined ? firstKeyOf[b.alg] : b.kid;
    const key = keys[b.signWith ?? kid ?? (firstKeyOf[b.alg] as KeyId)];
    jwt = await new jose.SignJWT(claims).setProtectedHeader({ alg: b.alg, typ: "JWT", ...(kid ? { kid } : {}) }).sign(key.priv);
    if (b.badSignature) {
      const [h, p, s] = jwt.split(".") as [string, string, string];
      const sig = Buffer.from(s, "base64url");
      sig[0] = (sig[0] as number) ^ 0xff;
      jwt = `${h}.${p}.${b64url(sig)}`;
    }
    return jwt;
  }

  function issueRefresh(grant: Grant, family = new Set<string>()): string {
    const rt = token();
    family.add(rt);
    refreshTokens.set(rt, { ...grant, live: true, family });
    refreshTokensIssued.push(rt);
    return rt;
  }

  async function tokenResponse(grant: Grant, opts: { refreshToken?: string; withIdToken: boolean }) {
    const at = token();
    accessTokens.set(at, grant);
    return {
      access_token: at,
      token_type: b.tokenType,
      ...(b.expiresIn ? { expires_in: 3600 } : {}),
      ...(b.scope
        ? {
            scope: grant.scope
              .split(" ")
              .filter((s) => s !== b.scopeDrop)
              .join(" "),
          }
        : {}),
      ...(opts.refreshToken ? { refresh_token: opts.refreshToken } : {}),
      ...(opts.withIdToken && grant.scope.split(" ").includes("openid") ? { id_token: await idToken(grant, at) } : {}),
    };
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
    res.end(JSON.stringify(body));
  };
  const oauthError = (res: ServerResponse, status: number, error: string, description: string) =>
    send(res, status, { error, error_description: description });

  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  }

  /** The client the request authenticates as (basic, post, or public), or an error text. */
  function authenticate(req: IncomingMessage, form: URLSearchParams): string | { error: string } {
    const auth = req.headers.authorization;
    let id = form.get("client_id") ?? undefined;
    let secret = form.get("client_secret") ?? undefined;
    if (auth?.startsWith("Basic ")) {
      const dec = (s: string) => (b.basicDecoding === "raw" ? s : decodeURIComponent(s.replace(/\+/g, " ")));
      const raw = Buffer.from(auth.slice(6), "base64").toString("utf8");
      const i = raw.indexOf(":");
      id = dec(raw.slice(0, i));
      secret = dec(raw.slice(i + 1));
    }
    if (!id || !(id in CLIENTS)) return { error: "unknown client" };
    const expected = CLIENTS[id];
    if (expected !== undefined && secret !== expected) return { error: "client authentication failed" };
    return id;
  }

  function authorize(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const clientId = q.get("client_id") ?? "";
    const redirect = q.get("redirect_uri") ?? "";
    let ru: URL;
    try {
      ru = new URL(redirect);
    } catch {
      res.writeHead(400, { "content-type": "text/html" }).end("<h1>bad redirect_uri</h1>");
      return;
    }
    if (!(clientId in CLIENTS) || ru.protocol !== "http:" || ru.hostname !== "127.0.0.1" || ru.pathname !== "/callback") {
      res.writeHead(400, { "content-type": "text/html" }).end("<h1>unknown client or redirect_uri</h1>");
      return;
    }
    const back = new URL(ru);
    const state = q.get("state");
    const put = (k: string, v: string) => back.searchParams.set(k, v);
    if (b.authzIss === "right") put("iss", issuer);
    if (b.authzIss === "wrong") put("iss", "https://attacker.example");
    if (state !== null) put("state", b.authzState === "wrong" ? `${state}-forged` : state);
    const challenge = q.get("code_challenge");
    if (q.get("response_type") !== "code") put("error", "unsupported_response_type");
    else if (!challenge || q.get("code_challenge_method") !== "S256") {
      put("error", "invalid_request");
      put("error_description", "PKCE with S256 is required");
    } else {
      const code = token();
      codes.set(code, {
        clientId,
        redirectUri: redirect,
        codeChallenge: challenge,
        scope: q.get("scope") ?? "openid",
        ...(q.get("nonce") ? { nonce: q.get("nonce") as string } : {}),
      });
      put("code", code);
    }
    res.writeHead(302, { location: back.toString(), "cache-control": "no-store" }).end();
  }

  async function tokenEndpoint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
      return oauthError(res, 400, "invalid_request", "form-encoded body required");
    const form = await readForm(req);
    const client = authenticate(req, form);
    if (typeof client !== "string") return oauthError(res, 401, "invalid_client", client.error);
    const grantType = form.get("grant_type");
    requests[requests.length - 1] += ` grant=${grantType}`;
    if (grantType === "authorization_code") {
      const code = form.get("code") ?? "";
      const pending = codes.get(code);
      codes.delete(code);
      if (!pending || pending.clientId !== client) return oauthError(res, 400, "invalid_grant", "unknown code");
      if (form.get("redirect_uri") !== pending.redirectUri) return oauthError(res, 400, "invalid_grant", "redirect_uri mismatch");
      const verifier = form.get("code_verifier") ?? "";
      if (b64url(createHash("sha256").update(verifier).digest()) !== pending.codeChallenge)
        return oauthError(res, 400, "invalid_grant", "PKCE verification failed");
      const grant: Grant = { clientId: client, scope: pending.scope, ...(pending.nonce ? { nonce: pending.nonce } : {}) };
      const rt = grant.scope.split(" ").includes("offline_access") ? issueRefresh(grant) : undefined;
      return send(res, 200, await tokenResponse(grant, { refreshToken: rt, withIdToken: b.idToken }));
    }
    if (grantType === "refresh_token") {
      const presented = form.get("refresh_token") ?? "";
      refreshTokensPresented.push(presented);
      const stored = refreshTokens.get(presented);
      if (!stored || stored.clientId !== client) return oauthError(res, 400, "invalid_grant", "unknown refresh token");
      if (!stored.live) {
        // Reuse of a rotated refresh token: revoke the whole family, as real providers do.
        for (const rt of stored.family) refreshTokens.delete(rt);
        return oauthError(res, 400, "invalid_grant", "refresh token already used");
      }
      let next: string | undefined;
      if (b.refresh === "rotate") {
        stored.live = false;
        next = issueRefresh(stored, stored.family);
      }
      return send(res, 200, await tokenResponse(stored, { refreshToken: next, withIdToken: b.refresh === "rotate" }));
    }
    return oauthError(res, 400, "unsupported_grant_type", `grant_type ${grantType} is not supported`);
  }

  /** RFC 7591: any client_name and loopback redirect URIs; a secret unless `none` is asked for. */
  async function register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (b.registration === "off") return send(res, 404, { error: "not_found" });
    if (b.registration === "needs-token" && !/^bearer\s+\S+$/i.test(req.headers.authorization ?? ""))
      return oauthError(res, 401, "invalid_token", "an initial access token is required");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    const method = typeof body.token_endpoint_auth_method === "string" ? body.token_endpoint_auth_method : "client_secret_basic";
    const clientId = `registered-${++registered}-${token(6)}`;
    const secret = method === "none" ? undefined : token();
    CLIENTS[clientId] = secret;
    send(res, 201, {
      ...body,
      client_id: clientId,
      ...(secret ? { client_secret: secret } : {}),
      token_endpoint_auth_method: method,
    });
  }

  function userinfo(req: IncomingMessage, res: ServerResponse): void {
    const m = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const grant = m ? accessTokens.get(m[1] as string) : undefined;
    if (!grant) {
      res.setHeader("www-authenticate", 'Bearer error="invalid_token"');
      oauthError(res, 401, "invalid_token", "invalid access token");
      return;
    }
    send(res, 200, { sub: b.userinfoSub, email: EMAIL, name: "Alice" });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    requests.push(`${req.method} ${url.pathname}`);
    const route = `${req.method} ${url.pathname}`;
    const done = (p: Promise<void> | void) =>
      Promise.resolve(p).catch((e) => {
        if (!res.headersSent) oauthError(res, 500, "server_error", String((e as Error)?.message ?? e));
      });
    switch (route) {
      case "GET /.well-known/openid-configuration":
        return send(res, 200, metadata());
      case "GET /jwks":
        if (b.jwks === "404") return send(res, 404, { error: "not_found" });
        return send(res, 200, { keys: (["rs1", "rs2", "es1", "ed1"] as const).map((id) => keys[id].jwk) });
      case "GET /authorize":
        return authorize(url, res);
      case "POST /token":
        return void done(tokenEndpoint(req, res));
      case "GET /userinfo":
        return userinfo(req, res);
      case "POST /register":
        return void done(register(req, res));
      default:
        return send(res, 404, { error: "not_found" });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  issuer = `http://127.0.0.1:${port}`;

  return {
    issuer,
    port,
    setCase(name) {
      b = behaviourOf(name);
      caseName = name;
    },
    get caseName() {
      return caseName;
    },
    requests,
    refreshTokensPresented,
    refreshTokensIssued,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
