// A fake OpenID provider in node:http and node:crypto only, for the refusal
// cases a real provider never produces: it serves discovery and a JWKS, and
// its token endpoint answers, for each code the test hands it, the ID token
// the test asks for (forged, expired, for another audience ...). It checks
// what a real provider checks of the client: Basic authentication and the
// PKCE verifier against the challenge the authorization request carried.
import crypto from 'node:crypto';
import http from 'node:http';

const b64url = (data) => Buffer.from(data).toString('base64url');

export function makeKey(kind, kid) {
  const pair = kind === 'rsa'
    ? crypto.generateKeyPairSync('rsa', {modulusLength: 2048})
    : crypto.generateKeyPairSync('ec', {namedCurve: 'P-256'});
  return {kid, kind, privateKey: pair.privateKey, jwk: {...pair.publicKey.export({format: 'jwk'}), kid, use: 'sig'}};
}

// A compact JWS of `payload` under `key` (RS256 or ES256 by its kind);
// `header` overrides the header's fields.
export function signJwt(key, payload, header = {}) {
  const h = {alg: key.kind === 'rsa' ? 'RS256' : 'ES256', kid: key.kid, typ: 'JWT', ...header};
  const input = `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(payload))}`;
  const sig = crypto.sign('sha256', Buffer.from(input),
    key.kind === 'rsa' ? key.privateKey : {key: key.privateKey, dsaEncoding: 'ieee-p1363'});
  return `${input}.${b64url(sig)}`;
}

export async function startFakeOp({clientId, clientSecret}) {
  const op = {
    keys: [makeKey('rsa', 'rsa-1'), makeKey('ec', 'ec-1')],
    jwksFetches: 0,
    tokenCalls: 0,
    codes: new Map(),  // code -> {challenge, idToken, sub}
    userinfo: new Map(),  // access token -> claims
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, op.issuer);
    const send = (status, body) => {
      res.writeHead(status, {'Content-Type': 'application/json', 'Cache-Control': 'no-store'});
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return send(200, {
        issuer: op.issuer,
        authorization_endpoint: `${op.issuer}/auth`,
        token_endpoint: `${op.issuer}/token`,
        jwks_uri: `${op.issuer}/jwks`,
        userinfo_endpoint: `${op.issuer}/me`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (url.pathname === '/jwks') {
      op.jwksFetches++;
      return send(200, {keys: op.keys.map((k) => k.jwk)});
    }
    if (url.pathname === '/me') {
      const claims = op.userinfo.get((req.headers.authorization || '').replace(/^Bearer /, ''));
      return claims ? send(200, claims) : send(401, {error: 'invalid_token'});
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        op.tokenCalls++;
        const form = new URLSearchParams(body);
        const basic = Buffer.from((req.headers.authorization || '').replace(/^Basic /, ''), 'base64').toString();
        const [id, secret] = basic.split(':').map(decodeURIComponent);
        if (id !== clientId || secret !== clientSecret) return send(401, {error: 'invalid_client'});
        const grant = op.codes.get(form.get('code'));
        op.codes.delete(form.get('code'));
        if (!grant || form.get('grant_type') !== 'authorization_code') return send(400, {error: 'invalid_grant'});
        const challenge = b64url(crypto.createHash('sha256').update(form.get('code_verifier') || '').digest());
        if (challenge !== grant.challenge) return send(400, {error: 'invalid_grant', error_description: 'PKCE'});
        const accessToken = b64url(crypto.randomBytes(16));
        op.userinfo.set(accessToken, {sub: grant.sub, email: grant.email, email_verified: true});
        return send(200, {access_token: accessToken, token_type: 'Bearer', expires_in: 60, id_token: grant.idToken});
      });
      return undefined;
    }
    return send(404, {error: 'not_found'});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  op.issuer = `http://127.0.0.1:${server.address().port}`;
  op.close = () => new Promise((resolve) => server.close(resolve));
  return op;
}
