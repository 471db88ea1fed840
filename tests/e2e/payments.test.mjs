// Payments in the shop's pages, in a real browser (headless Chromium driven
// by playwright-core) against a real `orderly serve` in inline mode (no
// provider: the engine decides, and 3-D Secure is its own /pay/3ds page):
//   a customer pays with a 3-D Secure card and approves it on /pay/3ds,
//   fails the check on another order (the order stays payable), has a card
//   declined and pays on the retry, and chooses cash on delivery; an admin
//   ships that order and records "delivered, cash collected" on the orders
//   tab, records "cash collected" on a second cash order's payment page, and
//   refunds part of the first payment from the dashboard (a refund above
//   what is left is refused, in the server's words); the customer sees the
//   refund on the order and in the account's payments. The payment
//   provider simulator (ops/payment_simulator.py, its control API) sends a
//   dispute on that payment, highlighted for the admin and shown on the
//   order, and a delivery for an unknown payment, listed for the operator.
//   The lists (the order's payments, the account's, the dashboard's with
//   its filters) come from the payments read model (GET /api/payments).
// Then a second engine with a provider (--payment-provider-url, the
// simulator): a card payment is processing, the page follows it, and the
// provider's payment.succeeded webhook settles it.
//
// Usage: node payments.test.mjs path/to/orderly   (or ORDERLY_BINARY=...)
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {startServer, ADMIN} from './lib/server.mjs';
import {startSimulator} from './lib/simulator.mjs';
import {call, loginToken} from './lib/api.mjs';
import {until, expectText, check, TIMEOUT} from './lib/wait.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.argv[2] || process.env.ORDERLY_BINARY;
const CHROMIUM = process.env.ORDERLY_CHROMIUM || '/usr/bin/chromium';
const SHOTS = join(here, 'screenshots');

const CUSTOMER = {username: 'grace', email: 'grace@example.com', password: 'grace-password-1'};
const WEBHOOK_SECRET = 'whsec_e2e_payments_0123456789abcdef';

// A free loopback port for a server that must be named before it starts
// (the provider's URL is a flag of the engine, the engine's a flag of the provider).
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const pages = [];
const problems = [];
function watch(page, who) {
  pages.push([who, page]);
  page.on('console', (m) => {
    // 4xx answers the pages show themselves (the refused refund) are expected.
    const expected = /Failed to load resource: the server responded with a status of 4\d\d/;
    if (m.type() === 'error' && !expected.test(m.text())) problems.push(`${who} console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${who} page error: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith('ws') && /access_token|refresh_token|eyJ[A-Za-z0-9_-]{10,}/.test(url)) problems.push(`${who} token in URL: ${url}`);
  });
}

const step = (text) => console.log(`[e2e ${new Date().toISOString().slice(11, 23)}] ${text}`);

async function logIn(page, base, who) {
  await page.goto(`${base}/#/login`);
  await page.getByLabel('Email or username').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', {name: 'Log in'}).click();
  await page.locator('.nav-user', {hasText: who.username}).waitFor();
}

// Chooses `method` on the order's pay page, clicks the pay button (its
// name: `button`), and answers the id of the payment the page made.
async function pay(page, base, orderId, method, button = /^Pay /) {
  if (!page.url().includes(`#/pay/${orderId}`)) await page.goto(`${base}/#/pay/${orderId}`);
  await page.getByRole('heading', {name: /^Pay for order/}).waitFor();
  await page.getByLabel(method).check();
  // The id from the confirming call's path (the page may leave before a body could be read).
  const confirming = page.waitForRequest((r) => r.method() === 'POST' && /^\/api\/payments\/[^/]+\/confirm$/.test(new URL(r.url()).pathname));
  confirming.catch(() => {});  // a failed click below reports first
  await page.getByRole('button', {name: button}).click();
  return decodeURIComponent(new URL((await confirming).url()).pathname.split('/')[3]);
}

async function main() {
  if (!binary || !existsSync(binary)) throw new Error(`usage: node payments.test.mjs path/to/orderly (got ${binary})`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run ops/install-deps.sh (Debian package chromium)`);
  mkdirSync(SHOTS, {recursive: true});
  const started = Date.now();
  // Inline mode (no provider URL); the webhook secret lets the simulator
  // send a dispute and an unknown payment.
  const secrets = mkdtempSync(join(tmpdir(), 'orderly-e2e-secret-'));
  const secretFile = join(secrets, 'webhook.secret');
  writeFileSync(secretFile, `${WEBHOOK_SECRET}\n`, {mode: 0o600});
  const server = await startServer(binary, {args: ['--payment-webhook-secret-file', secretFile]});
  const stopOnSignal = (sig) => {
    server.killNow();
    console.error(`e2e: ${sig}, server stopped`);
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  let browser = null;
  const stopLater = [];  // the simulators and the second engine
  try {
    const base = server.url;
    const sim = await startSimulator({webhookUrl: `${base}/api/payments/webhook`, secretFile});
    stopLater.push(sim);
    step(`orderly serve on ${base} (pid ${server.pid})`);
    const adminToken = await loginToken(base, ADMIN.email, ADMIN.password);
    const lamp = (await call(base, 'POST', '/api/products', {token: adminToken, body: {name: 'Paper lamp', category: 'home', price_cents: 2900, stock: 50, description: 'Folded paper shade'}})).product;
    const customer = await call(base, 'POST', '/api/auth/register', {body: CUSTOMER});
    const token = customer.access_token;
    // Orders placed through the API: the pages under test are the payment's.
    const order = async (quantity) => (await call(base, 'POST', '/api/orders', {token, body: {items: [{product_id: lamp.id, quantity}]}})).order;
    const payment = async (id) => (await call(base, 'GET', `/api/payments/${id}`, {token: adminToken})).payment;
    const orderOf = async (id) => (await call(base, 'GET', `/api/orders/${id}`, {token: adminToken})).order;

    // The engine's 3-D Secure page is a document of its own, with the pages' policy.
    const threeDs = await fetch(`${base}/pay/3ds?payment_id=x`);
    check(threeDs.status === 200 && threeDs.headers.get('content-type').startsWith('text/html'), `GET /pay/3ds is an HTML page (${threeDs.status})`);
    const csp = threeDs.headers.get('content-security-policy') || '';
    check(csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'), `/pay/3ds has the strict CSP (${csp})`);
    check((await threeDs.text()).includes('/web/pay_3ds.js'), 'the page loads its module from /web/');

    browser = await chromium.launch({executablePath: CHROMIUM, headless: true});
    const shopper = await browser.newContext({viewport: {width: 1280, height: 900}});
    const page = await shopper.newPage();
    page.setDefaultTimeout(TIMEOUT);
    watch(page, 'customer');
    await logIn(page, base, CUSTOMER);

    // 1. 3-D Secure, approved: the pay page follows next_action_url to
    //    /pay/3ds, which returns to the order, now confirmed.
    const first = await order(1);
    await page.goto(`${base}/#/pay/${first.id}`);
    await page.getByRole('heading', {name: /^Pay for order/}).waitFor();
    check(await page.getByLabel(/Cash on delivery/).count() === 1, 'cash on delivery is offered');
    await page.screenshot({path: join(SHOTS, 'payment-methods.png')});
    const firstPayment = await pay(page, base, first.id, /Test card with 3-D Secure/);
    await page.waitForURL((u) => u.pathname === '/pay/3ds' && u.searchParams.get('payment_id') === firstPayment);
    await page.getByRole('heading', {name: 'Confirm your payment'}).waitFor();
    await expectText(page.locator('main'), '$29.00', 'the amount to confirm');
    await page.screenshot({path: join(SHOTS, 'payment-3ds.png')});
    await page.getByRole('button', {name: 'Approve'}).click();
    await page.waitForURL((u) => u.pathname === '/' && u.hash === `#/orders/${first.id}`);
    await expectText(page.locator('.order-card .badge'), 'Confirmed', 'the order confirmed after 3-D Secure');
    check((await payment(firstPayment)).status === 'succeeded', 'the 3-D Secure payment succeeded');
    step('3-D Secure approved on /pay/3ds, back on the order, confirmed');

    // 2. 3-D Secure, failed: back on the order, still payable.
    const second = await order(1);
    const failedPayment = await pay(page, base, second.id, /Test card with 3-D Secure/);
    await page.waitForURL((u) => u.pathname === '/pay/3ds');
    await page.getByRole('heading', {name: 'Confirm your payment'}).waitFor();
    await page.getByRole('button', {name: 'Fail'}).click();
    await page.waitForURL((u) => u.hash === `#/orders/${second.id}`);
    await expectText(page.locator('.order-card .badge'), 'Pending payment', 'the order still pending after a failed check');
    check(['requires_payment_method', 'failed'].includes((await payment(failedPayment)).status), 'the failed check left the payment unpaid');
    // 3. The pay page knows the payment is still open for another method
    //    (one open payment per order): a declined card is confirmed on it,
    //    then a retry makes a new payment with the card that works.
    await expectText(page.locator('.order-card .order-payment'), 'Declined', 'the failed check on the order');
    await page.locator('.order-card').getByRole('link', {name: 'Try again'}).click();
    await expectText(page.locator('.form-message'), 'was not approved', 'the failed check named on the pay page');
    const declined = await pay(page, base, second.id, /Test card that is declined/, 'Try again');
    check(declined === failedPayment, 'the open payment took the next method');
    await expectText(page.locator('.form-message'), 'The card was declined', 'the declined card in plain words');
    check((await payment(declined)).status === 'failed', 'the declined payment failed');
    const retried = await pay(page, base, second.id, /Test card that succeeds/, 'Try again');
    check(retried !== declined, 'the retry is a new payment');
    await page.locator('.toast', {hasText: 'received'}).waitFor();
    await until('the second order confirmed', async () => (await orderOf(second.id)).status === 'confirmed');
    step('a failed 3-D Secure check and a declined card leave the order payable; the retry pays it');

    // 4. Cash on delivery: the order is confirmed, to be paid when it arrives.
    const third = await order(2);
    const cashPayment = await pay(page, base, third.id, /Cash on delivery/);
    await page.waitForURL((u) => u.hash === `#/orders/${third.id}`);
    await page.locator('.toast', {hasText: 'Pay when it arrives'}).waitFor();
    await expectText(page.locator('.order-card .badge'), 'Confirmed', 'the cash order confirmed, unpaid');
    await expectText(page.locator('.order-card .order-payment'), 'Pay when it arrives', 'the cash order says when it is paid');
    await expectText(page.locator('.order-payments'), 'Pay when it arrives.', 'the order\'s cash payment');
    check((await payment(cashPayment)).status === 'processing', 'the cash payment waits for the cash');
    const fourth = await order(1);
    const cashPayment2 = await pay(page, base, fourth.id, /Cash on delivery/);
    await page.waitForURL((u) => u.hash === `#/orders/${fourth.id}`);

    // The admin ships the first cash order and records it delivered with the cash.
    const office = await browser.newContext({viewport: {width: 1440, height: 1000}});
    const admin = await office.newPage();
    admin.setDefaultTimeout(TIMEOUT);
    watch(admin, 'admin');
    await logIn(admin, base, ADMIN);
    await admin.goto(`${base}/#/admin/orders`);
    const row = admin.locator(`tr[data-order-id="${third.id}"]`);
    await expectText(row.locator('.badge'), 'Confirmed', 'the cash order in the admin list');
    await row.getByRole('button', {name: /^Ship order/}).click();
    await expectText(row.locator('.badge'), 'Shipped', 'the cash order shipped');
    await row.getByRole('button', {name: /^Delivered, cash collected/}).click();
    await expectText(row.locator('.badge'), 'Delivered', 'the cash order delivered');
    await until('the cash payment captured', async () => (await payment(cashPayment)).status === 'succeeded');
    step('cash on delivery: shipped, then "delivered, cash collected" on the orders tab; the payment succeeded');

    // The second cash order: shipped, then "cash collected" on its payment's page.
    const row2 = admin.locator(`tr[data-order-id="${fourth.id}"]`);
    await row2.getByRole('button', {name: /^Ship order/}).click();
    await expectText(row2.locator('.badge'), 'Shipped', 'the second cash order shipped');
    await admin.goto(`${base}/#/admin/payments/${cashPayment2}`);
    const collect = admin.getByRole('button', {name: 'Cash collected'});
    await until('the cash button enabled for a shipped order', async () => collect.isEnabled());
    await collect.click();
    await admin.locator('.toast', {hasText: 'Cash of $29.00 recorded'}).waitFor();
    await expectText(admin.locator('.payment-section').first().locator('.badge').first(), 'Paid', 'the payment page after the cash');
    check((await payment(cashPayment2)).status === 'succeeded', 'the second cash payment succeeded');
    step('"cash collected" on the payment page of a shipped cash order');

    // 5. A partial refund of the 3-D Secure payment from the dashboard.
    await admin.goto(`${base}/#/admin/payments/${firstPayment}`);
    const amount = admin.getByLabel('Amount to refund');
    await until('the refund form defaults to all that is left', async () => (await amount.inputValue()) === '29.00');
    await admin.screenshot({path: join(SHOTS, 'admin-payment.png'), fullPage: true});
    await amount.fill('7.50');
    admin.once('dialog', (d) => d.accept());
    await admin.getByRole('button', {name: 'Refund'}).click();
    await admin.locator('.toast', {hasText: 'Refund of $7.50'}).waitFor();
    await expectText(admin.locator('.payment-section').first(), 'Partly refunded', 'the payment partly refunded');
    await until('the refund form now offers what is left', async () => (await amount.inputValue()) === '21.50');
    // More than is left: the server refuses, and the page says so.
    await amount.fill('25.00');
    admin.once('dialog', (d) => d.accept());
    await admin.getByRole('button', {name: 'Refund'}).click();
    await until('the refused refund explained', async () => (await admin.locator('.refund-form + .form-message').innerText()).trim().length > 0);
    const refused = await admin.locator('.refund-form + .form-message').innerText();
    const after = await payment(firstPayment);
    check(after.refunded_cents === 750, `only the first refund was made (refunded ${after.refunded_cents}; refusal: ${refused})`);
    step(`a $7.50 refund from the dashboard; $25.00 refused ("${refused.trim()}")`);

    // The customer's bank disputes the rest; the provider says so by webhook.
    const now = Math.floor(Date.now() / 1000);
    const dispute = await sim.control({id: 'evt_e2e_dispute', type: 'charge.dispute.created', created: now,
      data: {payment_id: firstPayment, amount_cents: 2150, dispute_id: 'dp_e2e_1', reason: 'fraudulent'}});
    check(dispute.status === 200, `the dispute webhook is received (${dispute.status} ${dispute.body})`);
    const unknown = await sim.control({id: 'evt_e2e_unknown', type: 'payment.succeeded', created: now,
      data: {payment_id: '01939d3c-0000-7000-8000-000000000000', amount_cents: 100}});
    check(unknown.status === 404, `a webhook for an unknown payment is 404 (${unknown.status})`);
    step('a dispute and an unknown payment, sent by the simulator');
    await page.goto(`${base}/#/orders/${first.id}`);

    // The read model's lists (GET /api/payments): the order's refunds and
    // dispute, the account's payments, the dashboard's list and filters.
    await expectText(page.locator('.order-payments'), 'Refunded $7.50', 'the refund on the customer\'s order');
    await expectText(page.locator('.order-payments .refund-row'), '$7.50', 'the refund row');
    await expectText(page.locator('.order-payments .refund-row .badge'), 'Refunded', 'the refund\'s status');
    await expectText(page.locator('.order-card .order-payment'), 'Disputed', 'the dispute on the customer\'s order');
    await page.screenshot({path: join(SHOTS, 'order-refund.png'), fullPage: true});
    await page.goto(`${base}/#/account/payments`);
    // 3-D Secure, the failed check then declined (one payment), the retry, two cash payments.
    await until('the customer\'s payments listed', async () => (await page.locator('tr[data-payment-id]').count()) === 5);
    await expectText(page.locator(`tr[data-payment-id="${firstPayment}"]`), 'Partly refunded', 'the refunded payment in the account');
    await page.screenshot({path: join(SHOTS, 'account-payments.png')});
    await admin.goto(`${base}/#/admin/payments`);
    await until('every payment in the dashboard list', async () => (await admin.locator('tr[data-payment-id]').count()) === 5);
    await admin.screenshot({path: join(SHOTS, 'admin-payments.png')});
    await admin.getByLabel('Status').selectOption('processing');
    await until('no payment left processing', async () => (await admin.locator('.state-empty').count()) === 1);
    await admin.getByLabel('Status').selectOption('');
    // Dates: "To" yesterday includes none of today's payments; "From" today all of them.
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await admin.getByLabel('To (included)').fill(yesterday);
    await until('no payment up to yesterday', async () => (await admin.locator('.state-empty').count()) === 1);
    await admin.getByLabel('To (included)').fill(today);
    await admin.getByLabel('From').fill(today);
    await until('every payment made today', async () => (await admin.locator('tr[data-payment-id]').count()) === 5);
    await admin.getByLabel('Order').fill(second.id);
    await admin.getByRole('button', {name: 'Filter'}).click();
    await until('the second order\'s two payments', async () => (await admin.locator('tr[data-payment-id]').count()) === 2);
    await admin.locator(`tr[data-payment-id="${retried}"] a`).first().click();
    await expectText(admin.locator('.payment-section').first(), 'Paid', 'the retried payment\'s page');
    // The disputed payment: highlighted in the list and on its page, with its webhook.
    await admin.goto(`${base}/#/admin/payments`);
    await until('the disputed row highlighted', async () => (await admin.locator(`tr.disputed[data-payment-id="${firstPayment}"]`).count()) === 1);
    await admin.goto(`${base}/#/admin/payments/${firstPayment}`);
    await expectText(admin.locator('.dispute-alert'), 'fraudulent', 'the dispute at the top of the payment');
    await expectText(admin.locator('.webhook-row[data-outcome="applied"]'), 'evt_e2e_dispute', 'the dispute\'s webhook delivery');
    await expectText(admin.locator('.refund-row'), '$7.50', 'the refund on the payment page');
    check(await admin.locator('.payment-section', {hasText: 'Attempts'}).locator('tbody tr').count() === 1, 'one attempt (3-D Secure)');
    await admin.screenshot({path: join(SHOTS, 'admin-payment-disputed.png'), fullPage: true});
    await admin.goto(`${base}/#/admin/orders`);
    await until('the disputed order highlighted', async () => (await admin.locator(`tr.disputed[data-order-id="${first.id}"]`).count()) === 1);
    await admin.goto(`${base}/#/admin/payments/webhooks`);
    await expectText(admin.locator('.webhook-row'), 'evt_e2e_unknown', 'the unknown-payment delivery for the operator');
    step('the customer\'s order shows the refund and the dispute; account and dashboard lists, filters, the disputed payment, the unknown-payment delivery');

    // With a provider: a card payment is processing until the provider's
    // webhook (here sent through the simulator's control API, as the
    // dispatcher is not needed for what the page does; a later webhook of
    // its own for the same payment is ignored by the engine).
    const simPort = await freePort();
    const withProvider = await startServer(binary, {args: ['--payment-provider-url', `http://127.0.0.1:${simPort}`, '--payment-webhook-secret-file', secretFile]});
    stopLater.push(withProvider);
    const providerSim = await startSimulator({webhookUrl: `${withProvider.url}/api/payments/webhook`, secretFile, port: simPort, args: ['--delay-ms', '5000:5000']});
    stopLater.push(providerSim);
    check(providerSim.url === `http://127.0.0.1:${simPort}`, `the simulator took the engine's provider port (${providerSim.url})`);
    const pBase = withProvider.url;
    const pAdmin = await loginToken(pBase, ADMIN.email, ADMIN.password);
    const pLamp = (await call(pBase, 'POST', '/api/products', {token: pAdmin, body: {name: 'Paper lamp', category: 'home', price_cents: 2900, stock: 5, description: 'Folded paper shade'}})).product;
    const pToken = (await call(pBase, 'POST', '/api/auth/register', {body: CUSTOMER})).access_token;
    const pOrder = (await call(pBase, 'POST', '/api/orders', {token: pToken, body: {items: [{product_id: pLamp.id, quantity: 1}]}})).order;
    const far = await browser.newContext({viewport: {width: 1280, height: 900}});
    const pPage = await far.newPage();
    pPage.setDefaultTimeout(TIMEOUT);
    watch(pPage, 'provider-customer');
    await logIn(pPage, pBase, CUSTOMER);
    const pPayment = await pay(pPage, pBase, pOrder.id, /Test card that succeeds/);
    await expectText(pPage.locator('.pay-progress'), 'processing', 'the card payment processing at the provider');
    check(await pPage.getByRole('button', {name: 'Processing…'}).isDisabled(), 'the form waits while the provider decides');
    const settled = await providerSim.control({type: 'payment.succeeded', data: {payment_id: pPayment, amount_cents: 2900}});
    check(settled.status === 200, `the provider's webhook is received (${settled.status} ${settled.body})`);
    await pPage.locator('.toast', {hasText: 'received'}).waitFor();
    await pPage.waitForURL((u) => u.hash === '#/orders');
    check((await call(pBase, 'GET', `/api/orders/${pOrder.id}`, {token: pAdmin})).order.status === 'confirmed', 'the order confirmed by the webhook');
    step('with a provider: the page followed the processing payment until the webhook settled it');

    check(problems.length === 0, `no console errors or CSP violations:\n  ${problems.join('\n  ')}`);
    step(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${SHOTS}`);
  } catch (err) {
    for (const [who, p] of pages) await p.screenshot({path: join(SHOTS, `payments-failure-${who}.png`), fullPage: true}).catch(() => {});
    console.error(`server log (last 4 kB):\n${server.log().slice(-4096)}`);
    throw err;
  } finally {
    if (browser) await browser.close().catch(() => {});
    for (const s of stopLater.reverse()) await s.stop().catch(() => {});
    await server.stop();
    rmSync(secrets, {recursive: true, force: true});
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`e2e FAILED: ${err.stack || err}`);
  process.exit(1);
});
