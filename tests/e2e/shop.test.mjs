// The shop's web pages in a real browser (headless Chromium driven by
// playwright-core) against a real `orderly serve`:
//   a customer registers, searches, fills the cart, is told plainly that a
//   line is short of stock, checks out, pays, and sees the order's badge
//   change live when an admin (a second browser context) ships it; the
//   admin's dashboard shows the new revenue, the event stream and the audit
//   trail show the order's events; a second order is cancelled; the Users
//   tab deactivates the customer, whose page then logs out.
//   The customer then changes her display name, saves an address, checks
//   out with it (shown on the order), logs in with a new password, and
//   closes her account.
// A declined card, a read-model rebuild and product management are
// exercised on the way. Screenshots of the main pages go to
// tests/e2e/screenshots/.
//
// Usage: node shop.test.mjs path/to/orderly   (or ORDERLY_BINARY=...)
import {existsSync, mkdirSync, readdirSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {startServer, ADMIN} from './lib/server.mjs';
import {call, loginToken} from './lib/api.mjs';
import {until, expectText, check, TIMEOUT} from './lib/wait.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.argv[2] || process.env.ORDERLY_BINARY;
const CHROMIUM = process.env.ORDERLY_CHROMIUM || '/usr/bin/chromium';
const SHOTS = join(here, 'screenshots');

// price_cents and stock chosen so the sums below are easy to check.
const CATALOG = [
  {name: 'Ceramic mug', category: 'kitchen', price_cents: 1450, stock: 40, description: 'Stoneware mug, 350 ml, glazed in sea green'},
  {name: 'Linen napkins', category: 'kitchen', price_cents: 900, stock: 60, description: 'Set of four washed linen napkins'},
  {name: 'Walnut tray', category: 'home', price_cents: 5200, stock: 2, description: 'Solid walnut serving tray, oiled'},
  {name: 'Brass candle holder', category: 'home', price_cents: 2400, stock: 15, description: 'Turned brass, fits standard dinner candles'},
  {name: 'Wool blanket', category: 'home', price_cents: 11900, stock: 8, description: 'Lambswool blanket, 140 x 200 cm'},
  {name: 'Garden trowel', category: 'garden', price_cents: 1750, stock: 30, description: 'Stainless steel trowel with an ash handle'},
  {name: 'Herb planter', category: 'garden', price_cents: 3100, stock: 12, description: 'Three-pocket terracotta planter for a windowsill'},
  {name: 'Dot-grid notebook', category: 'stationery', price_cents: 1300, stock: 100, description: 'A5, 192 pages, lay-flat binding'},
  {name: 'Gel pen set', category: 'stationery', price_cents: 650, stock: 4, description: 'Six fine gel pens in muted colours'},
];

const pages = [];  // screenshotted when the test fails
const problems = [];  // console errors, page errors, CSP reports, tokens in URLs
function watch(page, who) {
  pages.push([who, page]);
  page.on('console', (m) => {
    // The browser logs every 4xx answer; the pages show those themselves
    // (the test checks the messages), so only other errors count.
    // A WebSocket refused at the upgrade (a stale token, renewed and retried
    // by the page) is logged the same way.
    const expected = /Failed to load resource: the server responded with a status of 4\d\d|WebSocket connection to .* failed: (Error during WebSocket handshake: Unexpected response code: 401|HTTP Authentication failed)/;
    if (m.type() === 'error' && !expected.test(m.text())) {
      problems.push(`${who} console: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`${who} page error: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    // The WebSocket's query is the one place a token may travel in a URL.
    if (!url.startsWith('ws') && /access_token|refresh_token|eyJ[A-Za-z0-9_-]{10,}/.test(url)) problems.push(`${who} token in URL: ${url}`);
  });
}

async function shot(page, name, options = {}) {
  await page.screenshot({path: join(SHOTS, `${name}.png`), ...options});
}

const step = (text) => console.log(`[e2e ${new Date().toISOString().slice(11, 23)}] ${text}`);

async function main() {
  if (!binary || !existsSync(binary)) throw new Error(`usage: node shop.test.mjs path/to/orderly (got ${binary})`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run ops/install-deps.sh (Debian package chromium)`);
  mkdirSync(SHOTS, {recursive: true});
  const started = Date.now();
  const server = await startServer(binary);
  const stopOnSignal = (sig) => {
    server.killNow();
    console.error(`e2e: ${sig}, server stopped`);
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  let browser = null;
  try {
    step(`orderly serve on ${server.url} (pid ${server.pid})`);
    const base = server.url;

    // The page is served with its security headers.
    const index = await fetch(`${base}/`);
    check(index.status === 200 && index.headers.get('content-type').startsWith('text/html'), 'GET / is an HTML page');
    const csp = index.headers.get('content-security-policy') || '';
    check(csp.includes("default-src 'self'") && csp.includes("frame-ancestors 'none'") && !csp.includes('unsafe-inline'), `a strict CSP (${csp})`);
    check(index.headers.get('x-content-type-options') === 'nosniff', 'nosniff');
    const etag = index.headers.get('etag');
    check((await fetch(`${base}/`, {headers: {'If-None-Match': etag}})).status === 304, 'If-None-Match answers 304');
    check((await fetch(`${base}/web/app.js`)).headers.get('content-type').startsWith('text/javascript'), 'modules are text/javascript');
    check((await fetch(`${base}/web/missing.js`)).status === 404, 'an unknown page file is 404');

    // The catalog, created through the API as an admin.
    const adminToken = await loginToken(base, ADMIN.email, ADMIN.password);
    const products = {};
    for (const p of CATALOG) products[p.name] = (await call(base, 'POST', '/api/products', {token: adminToken, body: p})).product;
    step(`seeded ${CATALOG.length} products`);

    browser = await chromium.launch({executablePath: CHROMIUM, headless: true});
    const shopper = await browser.newContext({viewport: {width: 1280, height: 900}});
    const page = await shopper.newPage();
    page.setDefaultTimeout(TIMEOUT);
    watch(page, 'customer');

    // Storefront.
    await page.goto(`${base}/`);
    await page.getByRole('heading', {name: 'Find something good'}).waitFor();
    await until('the product grid', async () => (await page.locator('.product-card').count()) === CATALOG.length);
    await shot(page, 'storefront');

    // Register; the session survives a reload.
    await page.getByRole('link', {name: 'Register'}).click();
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', {name: 'Create account'}).click();
    await expectText(page.locator('.form-message'), 'at least 8 characters', 'the password rule, in plain words');
    await page.getByLabel('Password').fill('ada-password-1');
    await page.getByRole('button', {name: 'Create account'}).click();
    await page.locator('.nav-user', {hasText: 'ada'}).waitFor();
    await page.reload();
    await page.locator('.nav-user', {hasText: 'ada'}).waitFor();
    await until('the live feed to connect', async () => (await page.locator('.live-dot.live-live').count()) === 1);
    step('registered, session kept across a reload, live feed connected');

    // Silent refresh: an access token about to expire is renewed, and the
    // rotated refresh token is the one kept.
    const stored = () => page.evaluate(() => JSON.parse(localStorage.getItem('orderly.session')));
    const edit = (change) => page.evaluate((c) => {
      const s = JSON.parse(localStorage.getItem('orderly.session'));
      Object.assign(s, c === 'expiring' ? {expires_at: Date.now() + 1000} : {access_token: 'not-a-valid-token'});
      localStorage.setItem('orderly.session', JSON.stringify(s));
    }, change);
    const first = await stored();
    await edit('expiring');
    await page.reload();
    await until('the silent refresh', async () => (await stored()).refresh_token !== first.refresh_token);
    // A refused access token (401): one refresh, then the call goes through.
    const second = await stored();
    await edit('refused');
    await page.reload();
    await until('the refresh after a 401', async () => (await stored()).refresh_token !== second.refresh_token);
    await page.locator('.nav-user', {hasText: 'ada'}).waitFor();
    await until('the live feed to reconnect', async () => (await page.locator('.live-dot.live-live').count()) === 1);
    step('silent refresh before expiry and after a 401');

    // Search, category filter and sort.
    await page.getByLabel('Search').fill('mug');
    await until('the search for "mug"', async () => {
      const names = await page.locator('.product-name').allInnerTexts();
      return names.length === 1 && names[0] === 'Ceramic mug';
    });
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Category').selectOption('home');
    await page.getByLabel('Sort by').selectOption('-price');
    await until('home products, dearest first', async () => {
      const names = await page.locator('.product-name').allInnerTexts();
      return names.join('|') === 'Wool blanket|Walnut tray|Brass candle holder';
    });
    step('search, category and sort work');

    // Fill the cart from product pages.
    const addFromProductPage = async (name, quantity) => {
      await page.goto(`${base}/#/product/${products[name].id}`);
      await page.getByRole('heading', {name}).waitFor();
      await page.getByLabel('Quantity').fill(String(quantity));
      await page.getByRole('button', {name: 'Add to cart'}).click();
      await page.locator('.toast', {hasText: `${quantity} × ${name} added`}).waitFor();
    };
    await addFromProductPage('Ceramic mug', 3);
    await shot(page, 'product');
    await addFromProductPage('Linen napkins', 2);
    // More than the stock is refused as it is added, naming what is there.
    await page.goto(`${base}/#/product/${products['Walnut tray'].id}`);
    await page.getByRole('heading', {name: 'Walnut tray'}).waitFor();
    await page.getByLabel('Quantity').fill('5');  // only 2 in stock
    await page.getByRole('button', {name: 'Add to cart'}).click();
    await expectText(page.locator('.form-message'), 'asked for 5 in the cart, 2 available', 'adding more than the stock');
    step('adding more than the stock to the cart is refused');
    await addFromProductPage('Walnut tray', 2);
    await expectText(page.locator('.nav .count'), '7', 'the cart count in the header');
    // The stock moves between adding and checking out (sold elsewhere): the
    // order still decides.
    await call(base, 'PUT', `/api/products/${products['Walnut tray'].id}/stock`, {token: adminToken, body: {stock: 1}});

    // Checkout refuses the short line, saying which and why.
    await page.getByRole('link', {name: /^Cart/}).click();
    await page.getByRole('heading', {name: 'Your cart'}).waitFor();
    await expectText(page.locator('dd.total'), '$165.50', 'the cart total (3 × 14.50 + 2 × 9.00 + 2 × 52.00)');
    await page.getByRole('button', {name: 'Check out'}).click();
    const refusal = page.locator('.form-message');
    await expectText(refusal, 'There is not enough stock for your order', 'the stock refusal in plain words');
    await expectText(refusal, 'Walnut tray: asked for 2, only 1 available', 'the short line named');
    await shot(page, 'cart-error');
    step('ordering more than the stock shows the message');

    await page.getByRole('button', {name: 'Remove Walnut tray'}).click();
    await expectText(page.locator('dd.total'), '$61.50', 'the total without the tray');
    await shot(page, 'cart');
    await page.getByRole('button', {name: 'Check out'}).click();

    // Pay with the test card that succeeds.
    await page.getByRole('heading', {name: /^Pay for order/}).waitFor();
    await page.getByLabel(/Test card that succeeds/).check();
    await shot(page, 'payment');
    await page.getByRole('button', {name: 'Pay $61.50'}).click();
    await page.getByRole('heading', {name: 'Your orders'}).waitFor();
    const card = page.locator('.order-card').first();
    await expectText(card.locator('.badge'), 'Confirmed', 'the paid order confirmed');
    const orderId = await card.getAttribute('data-order-id');
    check(orderId && orderId.length > 10, 'the order card names its order');
    await card.getByRole('button', {name: 'Show items'}).click();
    await expectText(card.locator('.order-lines'), 'Ceramic mug', 'the expanded lines');
    step(`order ${orderId} placed and paid`);

    // The admin ships it from a second browser context; the customer's page
    // (not reloaded: the marker survives) shows the new badge and a toast.
    await page.evaluate(() => { window.__notReloaded = true; });
    const office = await browser.newContext({viewport: {width: 1440, height: 1000}});
    const admin = await office.newPage();
    admin.setDefaultTimeout(TIMEOUT);
    watch(admin, 'admin');
    await admin.goto(`${base}/#/login`);
    await admin.getByLabel('Email or username').fill(ADMIN.email);
    await admin.getByLabel('Password').fill(ADMIN.password);
    await admin.getByRole('button', {name: 'Log in'}).click();
    await admin.locator('.nav-user', {hasText: ADMIN.username}).waitFor();
    await admin.goto(`${base}/#/admin/orders`);
    const row = admin.locator(`tr[data-order-id="${orderId}"]`);
    await expectText(row.locator('.badge'), 'Confirmed', 'the order in the admin list');
    await shot(admin, 'admin-orders');
    await row.getByRole('button', {name: /^Ship order/}).click();
    await expectText(row.locator('.badge'), 'Shipped', 'the admin list after shipping');

    await expectText(page.locator(`.order-card[data-order-id="${orderId}"] .badge`), 'Shipped', 'the live badge on the customer page');
    await page.locator('.toast', {hasText: 'is now shipped'}).waitFor();
    check(await page.evaluate(() => window.__notReloaded === true), 'the badge changed without a reload');
    await shot(page, 'orders');
    step('the customer saw the shipment live');

    // The order's own page, where the order emails link (#/orders/<id>).
    await page.goto(`${base}/#/orders/${orderId}`);
    await page.getByRole('heading', {name: `Order #${orderId.slice(-8).toUpperCase()}`, level: 1}).waitFor();
    await expectText(page.locator('.order-card .badge'), 'Shipped', 'the order page\'s badge');
    await expectText(page.locator('.order-card .order-lines'), 'Ceramic mug', 'the order page shows its lines');
    check(await page.locator('.order-card').count() === 1, 'the order page shows one order');
    step('the order page an email links to shows the order');

    // The dashboard shows the revenue.
    await admin.goto(`${base}/#/admin`);
    const revenue = admin.locator('.kpi', {hasText: 'Revenue'});
    await expectText(revenue, '$61.50', 'the revenue on the dashboard');
    await expectText(admin.locator('.panel', {hasText: 'Top products'}), 'Ceramic mug', 'the top product');
    await expectText(admin.locator('.panel', {hasText: 'Low stock'}), 'Walnut tray', 'the low-stock list');
    await expectText(admin.locator('.panel', {hasText: 'Trending searches'}), 'mug', 'the search counted');
    await admin.locator('.chart .bar').last().waitFor();  // today's; quiet days are empty
    await shot(admin, 'dashboard', {fullPage: true});
    await admin.getByRole('button', {name: 'Rebuild catalog'}).click();
    await admin.locator('.toast', {hasText: 'Rebuilding catalog'}).waitFor();
    step('the dashboard shows the revenue; a read model rebuild started');

    // The live event stream shows new events as they happen, filterable.
    await admin.goto(`${base}/#/admin/events`);
    await admin.locator('.event').first().waitFor();
    await page.goto(`${base}/#/product/${products['Gel pen set'].id}`);
    await page.getByLabel('Quantity').fill('1');
    await page.getByRole('button', {name: 'Add to cart'}).click();
    await admin.locator('.event[data-type="cart.item_added"]').first().waitFor();
    await admin.getByLabel('Type').selectOption('order.shipped');
    await until('the type filter', async () => {
      const types = await admin.locator('.event').evaluateAll((els) => els.map((e) => e.dataset.type));
      return types.length >= 1 && types.every((t) => t === 'order.shipped');
    });
    await admin.getByLabel('Type').selectOption('');
    await shot(admin, 'events');

    // The audit view of the order.
    await admin.goto(`${base}/#/admin/audit?stream=order-${orderId}`);
    const timeline = admin.locator('.timeline');
    await expectText(timeline, 'order.placed', 'the audit trail');
    await expectText(timeline, 'order.confirmed', 'the audit trail');
    await expectText(timeline, 'order.shipped', 'the audit trail');
    await shot(admin, 'audit');
    step('event stream and audit view');

    // Product management: create through the form, change the stock, discontinue.
    await admin.goto(`${base}/#/admin/products`);
    await admin.getByRole('button', {name: '+ New product'}).click();
    const dialog = admin.getByRole('dialog', {name: 'New product'});
    await dialog.getByLabel('Name').fill('Oak cutting board');
    await dialog.getByLabel('Description').fill('End-grain oak, 40 x 25 cm');
    await dialog.getByLabel('Price ($)').fill('12.3.4');
    await dialog.getByLabel('Category').fill('kitchen');
    await dialog.getByRole('button', {name: 'Create product'}).click();
    await expectText(dialog.locator('.form-message'), 'amount in dollars', 'the price check');
    await dialog.getByLabel('Price ($)').fill('39.90');
    await dialog.getByLabel('Stock', {exact: true}).fill('6');
    await dialog.getByRole('button', {name: 'Create product'}).click();
    const board = admin.locator('tr', {hasText: 'Oak cutting board'});
    await expectText(board, '$39.90', 'the new product in the table');
    await shot(admin, 'admin-products');
    await board.getByRole('button', {name: 'Stock of Oak cutting board'}).click();
    const stockDialog = admin.getByRole('dialog', {name: 'Update stock'});
    await stockDialog.getByLabel('Units').fill('9');
    await stockDialog.getByRole('button', {name: 'Update stock'}).click();
    await until('the new stock', async () => (await board.locator('td.num').nth(1).innerText()) === '9');
    admin.once('dialog', (d) => d.accept());
    await board.getByRole('button', {name: 'Discontinue Oak cutting board'}).click();
    await until('the discontinued product to leave the catalog', async () => (await admin.locator('tr', {hasText: 'Oak cutting board'}).count()) === 0);
    step('product created, restocked and discontinued');

    // The Categories tab: each category with its slug and active products
    // (the discontinued board no longer counts).
    await admin.getByRole('link', {name: 'Categories', exact: true}).click();
    const kitchen = admin.locator('tr[data-slug="kitchen"]');
    await expectText(kitchen, 'kitchen', 'the kitchen category');
    await until('kitchen\'s two active products', async () => (await kitchen.locator('td.num').innerText()) === '2');
    check(await admin.locator('tbody tr').count() === 4, 'four categories');
    step('categories listed with their product counts');

    // A second order, cancelled by the customer while pending.
    await page.goto(`${base}/#/cart`);
    await page.getByRole('button', {name: 'Check out'}).click();
    await page.getByRole('heading', {name: /^Pay for order/}).waitFor();
    await page.getByLabel(/Test card that is declined/).check();
    await page.getByRole('button', {name: /^Pay /}).click();
    await expectText(page.locator('.form-message'), 'The card was declined', 'the declined card in plain words');
    await page.goto(`${base}/#/orders`);
    const pending = page.locator('.order-card', {has: page.locator('.badge', {hasText: 'Pending payment'})});
    await pending.waitFor();
    page.once('dialog', (d) => d.accept());
    await pending.getByRole('button', {name: 'Cancel order'}).click();
    await page.locator('.toast', {hasText: 'was cancelled'}).waitFor();
    await until('the cancelled badge', async () => (await page.locator('.order-card .badge', {hasText: 'Cancelled'}).count()) === 1);
    step('a pending order cancelled');

    // The storefront on a phone.
    const phone = await browser.newContext({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
    const mobile = await phone.newPage();
    watch(mobile, 'phone');
    await mobile.goto(`${base}/`);
    await until('the grid on a phone', async () => (await mobile.locator('.product-card').count()) > 0);
    const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `no sideways scrolling on a phone (${overflow}px too wide)`);
    await shot(mobile, 'storefront-phone');

    // Logout ends the session for good.
    await page.getByRole('button', {name: 'Log out'}).click();
    await page.getByRole('link', {name: 'Log in'}).waitFor();
    check(await page.evaluate(() => localStorage.getItem('orderly.session') === null), 'logout forgets the tokens');

    // The Users tab: the admin finds Ada, sees her orders on her page and
    // deactivates her; her open page loses its session at its next request,
    // and logging in again is refused until she is reactivated.
    await page.goto(`${base}/#/login`);
    await page.getByLabel('Email or username').fill('ada@example.com');
    await page.getByLabel('Password').fill('ada-password-1');
    await page.getByRole('button', {name: 'Log in'}).click();
    await page.locator('.nav-user', {hasText: 'ada'}).waitFor();
    await admin.goto(`${base}/#/admin/users`);
    await admin.getByLabel('Search users').fill('ADA@');
    const ada = admin.locator('tr', {hasText: 'ada@example.com'});
    await until('the search to find only Ada', async () => (await admin.locator('tbody tr').count()) === 1 && (await ada.count()) === 1);
    await shot(admin, 'admin-users');
    await ada.getByRole('link', {name: 'ada'}).click();
    await expectText(admin.locator('.kpi', {hasText: 'Orders'}), '2', 'Ada\'s order count on her page');
    await admin.getByRole('button', {name: 'Deactivate ada'}).click();
    const deactivate = admin.getByRole('dialog', {name: 'Deactivate ada'});
    await deactivate.getByLabel(/Reason/).fill('e2e check');
    await deactivate.getByRole('button', {name: 'Deactivate'}).click();
    await expectText(admin.locator('h2 .badge'), 'Deactivated', 'Ada\'s status after deactivation');
    await page.goto(`${base}/#/orders`);
    await page.getByRole('link', {name: 'Log in'}).waitFor();
    await page.getByLabel('Email or username').fill('ada@example.com');
    await page.getByLabel('Password').fill('ada-password-1');
    await page.getByRole('button', {name: 'Log in'}).click();
    await expectText(page.locator('.form-message'), 'deactivated', 'the refused login');
    await admin.getByRole('button', {name: 'Reactivate ada'}).click();
    await admin.getByRole('dialog', {name: 'Reactivate ada'}).getByRole('button', {name: 'Reactivate'}).click();
    await expectText(admin.locator('h2 .badge'), 'Active', 'Ada\'s status after reactivation');
    await page.getByRole('button', {name: 'Log in'}).click();
    await page.locator('.nav-user', {hasText: 'ada'}).waitFor();
    step('Users tab: found, deactivated (her page logged out, login refused), reactivated');
    await page.getByRole('button', {name: 'Log out'}).click();
    await page.getByRole('link', {name: 'Log in'}).waitFor();

    // A forgotten password, through the link of the email in the outbox;
    // the page takes the token out of the address before it calls the API.
    // (Bea, who has had one email so far: Ada's are past the per-recipient burst.)
    await call(base, 'POST', '/api/auth/register', {body: {username: 'bea', email: 'bea@example.com', password: 'bea-password-1'}});
    await page.getByRole('link', {name: 'Log in'}).click();
    await page.getByRole('link', {name: 'Forgot your password?'}).click();
    await page.getByLabel('Email').fill('bea@example.com');
    await page.getByRole('button', {name: 'Send me a link'}).click();
    await page.getByRole('heading', {name: 'Check your email'}).waitFor();
    const outbox = join(server.dataDir, 'outbox');
    let resetLink = '';
    await until('the reset email in the outbox', async () => {
      for (const f of existsSync(outbox) ? readdirSync(outbox).filter((n) => n.endsWith('.eml')) : []) {
        const m = /#\/reset-password\?token=([A-Za-z0-9._-]+)/.exec(readFileSync(join(outbox, f), 'utf8'));
        if (m) resetLink = `${base}/#/reset-password?token=${m[1]}`;
      }
      return resetLink !== '';
    });
    await page.goto(resetLink);
    await page.getByRole('heading', {name: 'Choose a new password'}).waitFor();
    check(!page.url().includes('token='), `the reset page removed the token from its address (${page.url()})`);
    await page.getByLabel('New password').fill('bea-new-password-2');
    await page.getByRole('button', {name: 'Set my password'}).click();
    await page.getByRole('heading', {name: 'Your password is set'}).waitFor();
    await page.getByRole('link', {name: 'Log in'}).last().click();
    await page.getByLabel('Email or username').fill('bea');
    await page.getByLabel('Password').fill('bea-new-password-2');
    await page.getByRole('button', {name: 'Log in'}).click();
    await page.locator('.nav-user', {hasText: 'bea'}).waitFor();
    step('forgotten password: emailed link, new password, logged in with it');
    await page.getByRole('button', {name: 'Log out'}).click();
    await page.getByRole('link', {name: 'Log in'}).click();
    await page.getByLabel('Email or username').fill('ada@example.com');
    await page.getByLabel('Password').fill('ada-password-1');
    await page.getByRole('button', {name: 'Log in'}).click();
    await page.locator('.nav-user', {hasText: 'ada'}).waitFor();

    // The account pages: a display name, a saved address chosen at
    // checkout and shown on the order, a new password that logs in.
    await page.getByRole('link', {name: 'Account', exact: true}).click();
    await page.getByRole('heading', {name: 'Your account'}).waitFor();
    await expectText(page.locator('.email-status .badge'), 'verified', 'the email badge');
    await page.getByLabel('Display name').fill('Ada L.');
    await page.getByRole('button', {name: 'Save'}).click();
    await page.locator('.toast', {hasText: 'Your account was saved'}).waitFor();
    check(await page.getByLabel('Display name').inputValue() === 'Ada L.', 'the display name kept');
    await page.getByRole('link', {name: 'Addresses'}).click();
    await page.getByRole('heading', {name: 'Your addresses'}).waitFor();
    await page.getByLabel('Full name').fill('Ada Lovelace');
    await page.getByLabel('Address line 1').fill('12 St James Square');
    await page.getByLabel('City').fill('London');
    await page.getByLabel('Postal code').fill('SW1Y 4JH');
    await page.getByLabel(/^Country/).fill('gb');
    await page.getByRole('button', {name: 'Add address'}).click();
    await expectText(page.locator('.address-card'), '12 St James Square', 'the saved address');
    await expectText(page.locator('.address-card .badge'), 'Default', 'the first address is the default');
    await addFromProductPage('Dot-grid notebook', 1);
    await page.goto(`${base}/#/cart`);
    await page.getByRole('heading', {name: 'Your cart'}).waitFor();
    await page.getByLabel(/12 St James Square/).waitFor();
    check(await page.getByLabel(/12 St James Square/).isChecked(), 'the default address preselected at checkout');
    await page.getByRole('button', {name: 'Check out'}).click();
    await page.getByRole('heading', {name: /^Pay for order/}).waitFor();
    const shipId = page.url().split('/pay/')[1];
    await page.goto(`${base}/#/orders/${shipId}`);
    await expectText(page.locator('.order-address'), '12 St James Square, London, SW1Y 4JH, GB', 'the address on the order page');
    await page.getByRole('link', {name: 'Account', exact: true}).click();
    await page.getByRole('link', {name: 'Password'}).click();
    await page.getByLabel('Current password').fill('ada-password-1');
    await page.getByLabel('New password').fill('ada-password-2');
    await page.getByRole('button', {name: 'Change password'}).click();
    await page.locator('.toast', {hasText: 'Your password was changed'}).waitFor();
    await page.getByRole('button', {name: 'Log out'}).click();
    await page.getByRole('link', {name: 'Log in'}).click();
    await page.getByLabel('Email or username').fill('ada');
    await page.getByLabel('Password').fill('ada-password-2');
    await page.getByRole('button', {name: 'Log in'}).click();
    await page.locator('.nav-user', {hasText: 'ada'}).waitFor();
    step('account: display name, saved address chosen at checkout and shown on the order, new password logs in');

    // A second address made the default; then the account is closed.
    await page.goto(`${base}/#/account/addresses`);
    await page.getByLabel('Full name').fill('Ada Lovelace');
    await page.getByLabel('Address line 1').fill('1 Royal Crescent');
    await page.getByLabel('City').fill('Bath');
    await page.getByLabel('Postal code').fill('BA1 2LR');
    await page.getByLabel(/^Country/).fill('GB');
    await page.getByRole('button', {name: 'Add address'}).click();
    const bath = page.locator('.address-card', {hasText: 'Royal Crescent'});
    await bath.getByRole('button', {name: 'Make default'}).click();
    await expectText(bath.locator('.badge'), 'Default', 'the new default address');
    await page.getByRole('link', {name: 'Close account'}).click();
    await page.getByLabel(/Type your username/).fill('not-ada');
    await page.getByRole('button', {name: 'Close my account'}).click();
    await expectText(page.locator('.form-message'), 'does not match', 'a wrong confirmation');
    await page.getByLabel(/Type your username/).fill('ada');
    await page.getByRole('button', {name: 'Close my account'}).click();
    await page.getByRole('heading', {name: 'Find something good'}).waitFor();
    await page.getByRole('link', {name: 'Log in'}).waitFor();
    check((await fetch(`${base}/api/auth/login`, {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({username: 'ada', password: 'ada-password-2'})})).status >= 400, 'a closed account cannot log in');
    step('account: a second address made the default; the account closed after typing its username');

    check(problems.length === 0, `no console errors, CSP violations or tokens in URLs:\n  ${problems.join('\n  ')}`);
    step(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${SHOTS}`);
  } catch (err) {
    for (const [who, p] of pages) await shot(p, `failure-${who}`, {fullPage: true}).catch(() => {});
    console.error(`server log (last 4 kB):\n${server.log().slice(-4096)}`);
    throw err;
  } finally {
    if (browser) await browser.close().catch(() => {});
    await server.stop();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`e2e FAILED: ${err.stack || err}`);
  process.exit(1);
});
