// Sign-in with a real OpenID provider (the `oidc-provider` package, see
// lib/oidc_op.mjs) in headless Chromium, against the real `orderly serve`:
//   the login page shows "Sign in with google"; clicking it goes to the
//   provider's login and consent pages and back to the shop, logged in,
//   with the account made from the provider's verified email; a second
//   sign-in finds the same account; another subject at the provider with
//   the same verified email is linked to it, not made a second account; a
//   second shop whose client gets ES256 ID tokens signs in too. No token in
//   any URL the browser visits, no console errors.
//
// Usage: node oidc.test.mjs path/to/orderly   (or ORDERLY_BINARY=...)
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {startServer, ADMIN} from './lib/server.mjs';
import {listenOp} from './lib/oidc_op.mjs';
import {call, loginToken} from './lib/api.mjs';
import {until, check, TIMEOUT} from './lib/wait.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.argv[2] || process.env.ORDERLY_BINARY;
const CHROMIUM = process.env.ORDERLY_CHROMIUM || '/usr/bin/chromium';
const SHOTS = join(here, 'screenshots');
const step = (text) => console.log(`[oidc ${new Date().toISOString().slice(11, 23)}] ${text}`);

const problems = [];
// The shop's pages must log no error; the provider's development pages are
// not ours (they load a web font from the internet, which this machine may
// not reach).
function watch(page, who, opIssuer) {
  page.on('console', (m) => {
    if (page.url().startsWith(opIssuer)) return;
    const expected = /Failed to load resource: the server responded with a status of 4\d\d/;
    if (m.type() === 'error' && !expected.test(m.text())) problems.push(`${who} console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${who} page error: ${e.message}`));
  page.on('request', (r) => {
    if (/access_token|refresh_token|id_token=|eyJ[A-Za-z0-9_-]{10,}/.test(r.url())) problems.push(`${who} token in URL: ${r.url()}`);
  });
}

// From the shop's login page through the provider and back, logged in as
// `login`. The provider asks for its login and consent only when it has to
// (a second sign-in in the same browser goes straight through).
async function signIn(page, shop, login, providerName) {
  await page.goto(`${shop.url}/#/login?next=%2Forders`);
  const link = page.getByRole('link', {name: `Sign in with ${providerName}`});
  await link.waitFor({timeout: TIMEOUT});
  await link.click();
  const seen = {login: false, consent: false};
  await until(`back on the shop, signed in as ${login}`, async () => {
    const url = page.url();
    if (url.startsWith(shop.op)) {
      const loginBox = page.locator('input[name=login]');
      if (await loginBox.isVisible().catch(() => false)) {
        seen.login = true;
        await loginBox.fill(login);
        await page.locator('input[name=password]').fill('any password');
        await page.getByRole('button', {name: 'Sign-in'}).click();
        return false;
      }
      const consent = page.getByRole('button', {name: 'Continue'});
      if (await consent.isVisible().catch(() => false)) {
        seen.consent = true;
        await consent.click();
        return false;
      }
      return false;
    }
    if (!url.startsWith(shop.url)) return false;
    const stored = await page.evaluate(() => localStorage.getItem('orderly.session'));
    return stored && new URL(url).hash.startsWith('#/orders') ? JSON.parse(stored) : false;
  }, {timeout: 60_000, every: 250});
  const s = JSON.parse(await page.evaluate(() => localStorage.getItem('orderly.session')));
  // The code left the address bar and the history before it was used.
  check(!page.url().includes('code='), `the code is still in the URL: ${page.url()}`);
  return {...s, seen};
}

async function main() {
  if (!binary || !existsSync(binary)) throw new Error(`usage: node oidc.test.mjs path/to/orderly (got ${binary})`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run ops/install-deps.sh (Debian package chromium)`);
  mkdirSync(SHOTS, {recursive: true});
  const op = await listenOp();
  const tmp = mkdtempSync(join(tmpdir(), 'orderly-oidc-'));
  const secrets = {orderly: 'rs-client-secret-0123456789', 'orderly-es': 'es-client-secret-0123456789'};
  for (const [id, secret] of Object.entries(secrets)) writeFileSync(join(tmp, id), `${secret}\n`, {mode: 0o600});
  const serve = (id, name) => startServer(binary, {args: ['--oidc-issuer', op.issuer, '--oidc-client-id', id,
    '--oidc-client-secret-file', join(tmp, id), ...(name ? ['--oidc-name', name] : [])]});
  const shops = [];
  let browser = null;
  try {
    step(`provider at ${op.issuer}; starting two shops`);
    const shop = await serve('orderly', 'google');
    shops.push(shop);
    const shopEs = await serve('orderly-es', '');
    shops.push(shopEs);
    shop.op = op.issuer;
    shopEs.op = op.issuer;
    op.start([
      {client_id: 'orderly', client_secret: secrets.orderly, redirect_uri: `${shop.url}/api/auth/oidc/callback`, alg: 'RS256'},
      {client_id: 'orderly-es', client_secret: secrets['orderly-es'], redirect_uri: `${shopEs.url}/api/auth/oidc/callback`, alg: 'ES256'},
    ]);
    const providers = await call(shopEs.url, 'GET', '/api/auth/providers');
    check(providers.items[0].name === 'openid', `the default name: ${JSON.stringify(providers)}`);

    browser = await chromium.launch({executablePath: CHROMIUM, headless: true, args: ['--no-sandbox']});
    const context = await browser.newContext();
    const page = await context.newPage();
    watch(page, 'ada', op.issuer);

    step('the login page offers the provider; ada signs in through its login and consent pages');
    const first = await signIn(page, shop, 'ada', 'google');
    check(first.seen.login && first.seen.consent, `the provider's login and consent pages were not both shown: ${JSON.stringify(first.seen)}`);
    await page.screenshot({path: join(SHOTS, 'oidc-signed-in.png')});
    const me = await call(shop.url, 'GET', '/api/auth/me', {token: first.access_token});
    check(me.user.email === 'ada@example.test', `me: ${JSON.stringify(me)}`);
    if ('email_verified' in me.user) check(me.user.email_verified === true, `the provider vouched for the email: ${JSON.stringify(me)}`);
    await page.locator('#nav').getByText(me.user.username).waitFor({timeout: TIMEOUT});

    // Recorded as events: which provider, which subject; the email verified by it.
    const admin = await loginToken(shop.url, ADMIN.email, ADMIN.password);
    const events = async (type) => (await call(shop.url, 'GET', `/api/admin/events?type=${type}`, {token: admin})).items
      .filter((e) => e.data.user_id === first.user.id);
    let links = await events('user.identity_linked');
    check(links.length === 1 && links[0].data.issuer === op.issuer && links[0].data.subject === 'ada',
      `the identity recorded: ${JSON.stringify(links)}`);
    const verified = await events('user.email_verified');
    check(verified.length === 1 && verified[0].data.email === 'ada@example.test', `the email verified: ${JSON.stringify(verified)}`);

    step('logged out and in again: the same account');
    await page.getByRole('button', {name: 'Log out'}).click();
    await until('logged out', async () => !(await page.evaluate(() => localStorage.getItem('orderly.session'))));
    const again = await signIn(page, shop, 'ada', 'google');
    check(again.user.id === first.user.id, `a second sign-in made another account: ${again.user.id} vs ${first.user.id}`);

    step('another subject with the same verified email is linked to that account');
    const other = await browser.newContext();
    const page2 = await other.newPage();
    watch(page2, 'ada+work', op.issuer);
    const linked = await signIn(page2, shop, 'ada+work', 'google');
    check(linked.user.id === first.user.id, `ada+work got account ${linked.user.id}, not ada's ${first.user.id}`);
    links = await events('user.identity_linked');
    check(links.length === 2 && links[1].data.subject === 'ada+work', `the second identity recorded: ${JSON.stringify(links)}`);
    await other.close();

    step('the ES256 client signs in on the second shop');
    const es = await browser.newContext();
    const page3 = await es.newPage();
    watch(page3, 'eve', op.issuer);
    const eve = await signIn(page3, shopEs, 'eve', 'openid');
    const eveMe = await call(shopEs.url, 'GET', '/api/auth/me', {token: eve.access_token});
    check(eveMe.user.email === 'eve@example.test', `eve: ${JSON.stringify(eveMe)}`);
    await es.close();

    check(problems.length === 0, `browser problems:\n${problems.join('\n')}`);
    step('ok');
  } catch (err) {
    for (const s of shops) console.error(s.log().slice(-3000));
    throw err;
  } finally {
    if (browser) await browser.close();
    for (const s of shops) await s.stop();
    await op.close();
    rmSync(tmp, {recursive: true, force: true});
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
