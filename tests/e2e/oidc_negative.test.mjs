// Sign-in with an OpenID provider refuses what it must, against the real
// `orderly serve` and a fake provider (lib/fake_op.mjs) whose token
// endpoint hands back whatever ID token each case asks for. Over HTTP with
// Node's fetch, cookies carried by hand. After a good sign-in (which makes
// the account), each refusal must answer its code and record nothing: the
// log's position (/health) stays where it was.
//
// Usage: node oidc_negative.test.mjs path/to/orderly   (or ORDERLY_BINARY=...)
import crypto from 'node:crypto';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startServer} from './lib/server.mjs';
import {startFakeOp, signJwt, makeKey} from './lib/fake_op.mjs';
import {check} from './lib/wait.mjs';

const binary = process.argv[2] || process.env.ORDERLY_BINARY;
const CLIENT = {clientId: 'orderly', clientSecret: 'fake-op-secret: with/odd+chars'};
const step = (text) => console.log(`[oidc-negative ${new Date().toISOString().slice(11, 23)}] ${text}`);

async function main() {
  if (!binary || !existsSync(binary)) throw new Error(`usage: node oidc_negative.test.mjs path/to/orderly (got ${binary})`);
  const op = await startFakeOp(CLIENT);
  const tmp = mkdtempSync(join(tmpdir(), 'orderly-oidc-'));
  const secretFile = join(tmp, 'client.secret');
  writeFileSync(secretFile, `${CLIENT.clientSecret}\n`, {mode: 0o600});
  // No email notifier: the registrations' verification emails would be
  // recorded in the log at their own pace, and every refusal below checks
  // that the log did not move.
  const server = await startServer(binary, {args: ['--oidc-issuer', op.issuer, '--oidc-client-id', CLIENT.clientId,
    '--oidc-client-secret-file', secretFile, '--oidc-name', 'fakeop', '--no-email-notifier']});
  const base = server.url;
  try {
    const get = (path, headers = {}) => fetch(base + path, {redirect: 'manual', headers: {Accept: 'application/json', ...headers}});
    const json = async (res) => { const t = await res.text(); return t ? JSON.parse(t) : null; };
    const position = async () => (await json(await get('/health'))).log_position;

    step('the provider is listed');
    const providers = await json(await get('/api/auth/providers'));
    check(providers.items.length === 1 && providers.items[0].name === 'fakeop', `providers: ${JSON.stringify(providers)}`);

    // /start: the redirect to the provider and the binding cookie.
    async function begin(returnTo = '/orders') {
      const res = await get(`/api/auth/oidc/start?return_to=${encodeURIComponent(returnTo)}`);
      check(res.status === 302, `start answered ${res.status}: ${await res.text()}`);
      const location = new URL(res.headers.get('location'));
      check(location.origin + location.pathname === `${op.issuer}/auth`, `start went to ${location}`);
      const q = location.searchParams;
      check(q.get('response_type') === 'code' && q.get('client_id') === CLIENT.clientId &&
            q.get('code_challenge_method') === 'S256' && q.get('scope') === 'openid email profile' &&
            q.get('redirect_uri') === `${base}/api/auth/oidc/callback`, `authorization request: ${location}`);
      const cookie = res.headers.get('set-cookie');
      check(/^orderly_oidc=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Lax; Max-Age=600; Path=\/api\/auth\/oidc$/.test(cookie),
        `binding cookie: ${cookie}`);
      return {state: q.get('state'), nonce: q.get('nonce'), challenge: q.get('code_challenge'), cookie: cookie.split(';')[0]};
    }
    // The provider's side: a code that redeems to `idToken`, and the callback.
    async function callback(flow, idToken, {cookie = flow.cookie, state = flow.state, accept = 'application/json', sub = 'sub-1', email = 'ada@example.test'} = {}) {
      const code = crypto.randomBytes(16).toString('base64url');
      op.codes.set(code, {challenge: flow.challenge, idToken, sub, email});
      const headers = {Accept: accept};
      if (cookie) headers.Cookie = cookie;
      return get(`/api/auth/oidc/callback?state=${encodeURIComponent(state)}&code=${code}`, headers);
    }
    const now = () => Math.floor(Date.now() / 1000);
    const claims = (flow, over = {}) => ({iss: op.issuer, sub: 'sub-1', aud: CLIENT.clientId, exp: now() + 300,
      iat: now(), nonce: flow.nonce, email: 'ada@example.test', email_verified: true, name: 'Ada', ...over});
    const [rsa, ec] = op.keys;
    async function exchange(code, cookie) {
      const res = await fetch(`${base}/api/auth/oidc/exchange`, {method: 'POST',
        headers: {'Content-Type': 'application/json', Accept: 'application/json', ...(cookie ? {Cookie: cookie} : {})},
        body: JSON.stringify({code})});
      return {status: res.status, body: await json(res), cookie: res.headers.get('set-cookie')};
    }

    step('a good sign-in makes the account and a session');
    const good = await begin();
    let res = await callback(good, signJwt(rsa, claims(good)));
    check(res.status === 303, `good callback answered ${res.status}: ${await res.text()}`);
    const target = new URL(res.headers.get('location'));
    check(target.origin === base && target.pathname === '/' && target.hash.startsWith('#/oidc?'), `landed on ${target}`);
    const landed = new URLSearchParams(target.hash.slice('#/oidc?'.length));
    check(landed.get('next') === '/orders', `next: ${target.hash}`);
    const session = await exchange(landed.get('code'), good.cookie);
    check(session.status === 200 && session.body.access_token && session.body.refresh_token &&
          session.body.user.email === 'ada@example.test', `exchange: ${JSON.stringify(session)}`);
    check(/^orderly_oidc=; .*Max-Age=0/.test(session.cookie || ''), `the exchange clears the cookie: ${session.cookie}`);
    const me = await json(await get('/api/auth/me', {Authorization: `Bearer ${session.body.access_token}`}));
    check(me.user.id === session.body.user.id, `me: ${JSON.stringify(me)}`);
    step('the same code a second time: refused');
    let again = await exchange(landed.get('code'), good.cookie);
    check(again.status === 400 && again.body.code === 'invalid_token', `reused exchange code: ${JSON.stringify(again)}`);

    step('an ES256 token signs in the same account');
    const second = await begin();
    res = await callback(second, signJwt(ec, claims(second)));
    check(res.status === 303, `ES256 callback answered ${res.status}: ${await res.text()}`);
    const code2 = new URLSearchParams(new URL(res.headers.get('location')).hash.slice('#/oidc?'.length)).get('code');
    step('the code with another browser\'s cookie: refused, and then it is spent');
    again = await exchange(code2, 'orderly_oidc=' + crypto.randomBytes(32).toString('base64url'));
    check(again.status === 400 && again.body.code === 'invalid_token', `other cookie: ${JSON.stringify(again)}`);
    again = await exchange(code2, second.cookie);
    check(again.status === 400 && again.body.code === 'invalid_token', `spent code: ${JSON.stringify(again)}`);
    again = await exchange(code2);
    check(again.status === 400, `no cookie: ${JSON.stringify(again)}`);

    step('an email the provider does not vouch for makes an unverified account');
    const carol = await begin();
    res = await callback(carol, signJwt(rsa, claims(carol, {sub: 'sub-carol', email: 'Carol@Example.test', email_verified: false})));
    check(res.status === 303, `unverified email callback answered ${res.status}: ${await res.text()}`);
    const carolSession = await exchange(new URLSearchParams(new URL(res.headers.get('location')).hash.slice('#/oidc?'.length)).get('code'), carol.cookie);
    check(carolSession.status === 200 && carolSession.body.user.email === 'carol@example.test' &&
          carolSession.body.user.id !== session.body.user.id, `carol: ${JSON.stringify(carolSession)}`);

    step('an account with a password and the same (unverified) email is not taken over');
    const bob = await fetch(`${base}/api/auth/register`, {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({username: 'bob', email: 'bob@example.test', password: 'bob-password-123'})});
    check(bob.status === 201, `bob's registration answered ${bob.status}`);

    // Each refusal: its status and code, and nothing in the log.
    const before = await position();
    const refusals = [];
    async function refused(name, status, code, attempt) {
      const r = await attempt();
      const body = await json(r);
      check(r.status === status && body && body.code === code, `${name}: wanted ${status} ${code}, got ${r.status} ${JSON.stringify(body)}`);
      const after = await position();
      check(after === before, `${name}: the log moved from ${before} to ${after}`);
      refusals.push(name);
      step(`refused: ${name} (${status} ${code}: ${body.detail})`);
      return body;
    }
    const otherRsa = makeKey('rsa', 'rsa-1');  // another key claiming the same kid
    const cases = [
      ['forged signature (another key, same kid)', (f) => signJwt(otherRsa, claims(f))],
      ['alg none', (f) => `${Buffer.from(JSON.stringify({alg: 'none', kid: 'rsa-1'})).toString('base64url')}.${Buffer.from(JSON.stringify(claims(f))).toString('base64url')}.`],
      ['HS256 keyed with the RSA modulus', (f) => {
        const input = `${Buffer.from(JSON.stringify({alg: 'HS256', kid: 'rsa-1'})).toString('base64url')}.${Buffer.from(JSON.stringify(claims(f))).toString('base64url')}`;
        return `${input}.${crypto.createHmac('sha256', Buffer.from(rsa.jwk.n, 'base64url')).update(input).digest('base64url')}`;
      }],
      ['wrong audience', (f) => signJwt(rsa, claims(f, {aud: 'someone-else'}))],
      ['expired', (f) => signJwt(ec, claims(f, {exp: now() - 120, iat: now() - 400}))],
      ['wrong nonce', (f) => signJwt(rsa, claims(f, {nonce: 'not-the-nonce'}))],
      ['wrong issuer', (f) => signJwt(rsa, claims(f, {iss: 'http://127.0.0.1:1'}))],
      ['issued in the future', (f) => signJwt(ec, claims(f, {iat: now() + 600}))],
    ];
    for (const [name, token] of cases) {
      const flow = await begin();
      await refused(name, 401, 'oidc_token_invalid', () => callback(flow, token(flow)));
    }

    {
      const flow = await begin();
      await refused('account conflict (the account\'s email is not verified)', 409, 'account_conflict',
        () => callback(flow, signJwt(rsa, claims(flow, {sub: 'sub-bob', email: 'bob@example.test'}))));
    }
    {
      // Carol's account is the provider's: her unverified email cannot be
      // taken by another subject claiming it, verified or not.
      const flow = await begin();
      await refused('another subject claiming an unverified account\'s email', 409, 'account_conflict',
        () => callback(flow, signJwt(rsa, claims(flow, {sub: 'sub-mallory', email: 'carol@example.test'}))));
    }

    step('an unknown kid: one JWKS refetch, then refused; a second unknown kid within the minute: no refetch');
    const stranger = makeKey('rsa', 'rotated-in');
    let fetches = op.jwksFetches;
    let flow = await begin();
    await refused('unknown kid', 401, 'oidc_token_invalid', () => callback(flow, signJwt(stranger, claims(flow))));
    check(op.jwksFetches === fetches + 1, `JWKS fetched ${op.jwksFetches - fetches} times for an unknown kid, wanted 1`);
    fetches = op.jwksFetches;
    flow = await begin();
    await refused('another unknown kid', 401, 'oidc_token_invalid', () => callback(flow, signJwt(makeKey('ec', 'other'), claims(flow))));
    check(op.jwksFetches === fetches, `JWKS fetched again within the minute (${op.jwksFetches - fetches})`);

    step('state: replayed, missing cookie, another browser\'s cookie, unknown');
    flow = await begin();
    await refused('wrong binding cookie', 400, 'oidc_state_invalid',
      () => callback(flow, signJwt(rsa, claims(flow)), {cookie: 'orderly_oidc=' + crypto.randomBytes(32).toString('base64url')}));
    // The state was taken by that attempt: the right cookie is too late now.
    await refused('replayed state (after a refused callback)', 400, 'oidc_state_invalid', () => callback(flow, signJwt(rsa, claims(flow))));
    flow = await begin();
    await refused('missing binding cookie', 400, 'oidc_state_invalid', () => callback(flow, signJwt(rsa, claims(flow)), {cookie: null}));
    await refused('unknown state', 400, 'oidc_state_invalid', () => callback({...flow, state: 'made-up'}, signJwt(rsa, claims(flow))));
    // A replay of a state that signed someone in.
    flow = await begin();
    res = await callback(flow, signJwt(rsa, claims(flow)));
    check(res.status === 303, `a good callback answered ${res.status}`);
    const signedIn = await position();
    check(signedIn === before, `a returning sign-in records nothing until the exchange (${before} -> ${signedIn})`);
    await refused('replayed state (after a sign-in)', 400, 'oidc_state_invalid', () => callback(flow, signJwt(rsa, claims(flow))));

    step('the provider refused, or sent no code');
    flow = await begin();
    await refused('provider error', 400, 'oidc_provider_error',
      () => get(`/api/auth/oidc/callback?state=${encodeURIComponent(flow.state)}&error=access_denied`, {Cookie: flow.cookie}));
    flow = await begin();
    await refused('a code the provider does not know', 400, 'oidc_provider_error',
      () => get(`/api/auth/oidc/callback?state=${encodeURIComponent(flow.state)}&code=nope`, {Cookie: flow.cookie}));

    step('a browser is sent to the login page with the code instead of the problem');
    flow = await begin();
    res = await callback(flow, signJwt(rsa, claims(flow, {aud: 'someone-else'})), {accept: 'text/html,application/xhtml+xml'});
    check(res.status === 303 && res.headers.get('location') === `${base}/#/login?oidc_error=oidc_token_invalid`,
      `browser refusal: ${res.status} ${res.headers.get('location')}`);
    check(await position() === before, 'the browser refusal recorded nothing');

    step('bad return_to and a bad exchange body');
    res = await get('/api/auth/oidc/start?return_to=' + encodeURIComponent('//evil.example/'));
    check(res.status === 422, `return_to //evil answered ${res.status}`);
    res = await get('/api/auth/oidc/start?return_to=' + encodeURIComponent('https://evil.example/'));
    check(res.status === 422, `return_to https://evil answered ${res.status}`);
    const bad = await fetch(`${base}/api/auth/oidc/exchange`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: 'x', extra: 1})});
    check(bad.status === 422, `exchange with an unknown field answered ${bad.status}`);

    check(await position() === before, 'nothing recorded by any refusal');
    step(`ok: ${refusals.length} refusals, each with its code, none recorded`);
  } catch (err) {
    console.error(server.log().slice(-4000));
    throw err;
  } finally {
    await server.stop();
    await op.close();
    rmSync(tmp, {recursive: true, force: true});
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
