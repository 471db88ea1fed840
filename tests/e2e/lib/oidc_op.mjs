// A real OpenID provider on loopback: the certified `oidc-provider` package
// (pinned in package.json), with its development login and consent pages.
// Any login and password sign in; the login names the account: "ada" is
// sub "ada" with the verified email ada@example.test, and "ada+work" is
// another subject with the same email (for linking).
//
// The HTTP server listens first (its port is the issuer, which `orderly
// serve` needs at start); the provider is built once the shop's ports are
// known (its clients' redirect URIs) and then becomes the server's handler.
import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

export async function listenOp() {
  let handler = (req, res) => {
    res.writeHead(503, {'Content-Type': 'text/plain'});
    res.end('the provider is starting');
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    // clients: [{client_id, client_secret, redirect_uri, alg}]
    start(clients) {
      const rsa = crypto.generateKeyPairSync('rsa', {modulusLength: 2048}).privateKey.export({format: 'jwk'});
      const ec = crypto.generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey.export({format: 'jwk'});
      const provider = new Provider(issuer, {
        clients: clients.map((c) => ({
          client_id: c.client_id,
          client_secret: c.client_secret,
          redirect_uris: [c.redirect_uri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          id_token_signed_response_alg: c.alg,
        })),
        jwks: {keys: [{...rsa, kid: 'op-rsa', use: 'sig', alg: 'RS256'}, {...ec, kid: 'op-ec', use: 'sig', alg: 'ES256'}]},
        findAccount: (ctx, sub) => ({
          accountId: sub,
          claims: () => ({sub, email: `${sub.split('+')[0]}@example.test`, email_verified: true, name: sub}),
        }),
        claims: {openid: ['sub'], email: ['email', 'email_verified'], profile: ['name']},
        pkce: {required: () => true},
        features: {devInteractions: {enabled: true}},
        cookies: {keys: [crypto.randomBytes(32).toString('hex')]},
      });
      provider.on('server_error', (ctx, err) => console.error('oidc-provider error:', err));
      handler = provider.callback();
      return provider;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
