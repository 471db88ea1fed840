// Product images in a real browser (headless Chromium driven by
// playwright-core) against a real `orderly serve`:
//   an admin opens a product's images page in the dashboard, chooses a PNG
//   (made by the test, lib/png.mjs) with the file picker, sees its preview,
//   types its alt text, uploads it and sees the progress bar finish; a text
//   file named .png, dropped on the page, is refused with the engine's
//   words and records nothing, a file over --max-image-bytes shows the 413's
//   detail; a second image is dropped and uploaded, moved
//   first, its alt text changed; one is deleted and a third uploaded.
//   The storefront then shows the image on the product's card (the <img>
//   loaded, with its srcset, width, height, lazy loading and alt text), a
//   product without images keeps its drawn tile, and the product page's
//   gallery switches between the images. With --image-base-url on another
//   origin, the pages' Content-Security-Policy allows images from there.
//
// Usage: node images.test.mjs path/to/orderly   (or ORDERLY_BINARY=...)
import {randomBytes} from 'node:crypto';
import {existsSync, mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {startServer, ADMIN} from './lib/server.mjs';
import {call, loginToken} from './lib/api.mjs';
import {makePng} from './lib/png.mjs';
import {until, expectText, check, TIMEOUT} from './lib/wait.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.argv[2] || process.env.ORDERLY_BINARY;
const CHROMIUM = process.env.ORDERLY_CHROMIUM || '/usr/bin/chromium';
const SHOTS = join(here, 'screenshots');
// Uploads are decoded and resized on the engine's worker pool: on a busy
// two-core machine that is seconds, not milliseconds.
const UPLOAD_TIMEOUT = 90_000;
// Small, so the test's noisy PNG (about 480 kB) is over it.
const MAX_IMAGE_BYTES = 200_000;

const pages = [];
const problems = [];
function watch(page, who) {
  pages.push([who, page]);
  page.on('console', (m) => {
    // Refusals the page shows itself (the 415 of the text file) are logged
    // by the browser as failed loads; any other error counts.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      problems.push(`${who} console: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`${who} page error: ${e.message}`));
}

const step = (text) => console.log(`[e2e ${new Date().toISOString().slice(11, 23)}] ${text}`);

// Drops files on `selector` as a person dragging them from their desktop
// would: a DataTransfer holding the files, through dragenter, dragover, drop.
async function dropFiles(page, selector, files) {
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, {type: f.type}));
    return dt;
  }, files.map((f) => ({name: f.name, type: f.type, bytes: [...f.buffer]})));
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(selector, type, {dataTransfer: transfer});
}

// Waits for an upload item to finish; a refusal fails at once, with the
// message the page shows.
async function uploaded(item, what) {
  const state = await until(what, async () => {
    const st = await item.getAttribute('data-state');
    return st === 'done' || st === 'failed' ? st : null;
  }, {timeout: UPLOAD_TIMEOUT});
  if (state === 'failed') throw new Error(`${what}: refused: ${await item.locator('.form-message').innerText()}`);
}

async function product(base, id) {
  return (await call(base, 'GET', `/api/products/${id}`)).product;
}

// The loaded <img> matching `locator`: its natural size and attributes.
async function loadedImage(locator, what) {
  await locator.scrollIntoViewIfNeeded();
  return until(`${what} to load`, () => locator.evaluate((img) => (img.complete && img.naturalWidth > 0
    ? {naturalWidth: img.naturalWidth, alt: img.alt, srcset: img.srcset, src: img.currentSrc, loading: img.loading,
      width: img.getAttribute('width'), height: img.getAttribute('height')}
    : null)), {timeout: UPLOAD_TIMEOUT});
}

async function main() {
  if (!binary || !existsSync(binary)) throw new Error(`usage: node images.test.mjs path/to/orderly (got ${binary})`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run ops/install-deps.sh (Debian package chromium)`);
  mkdirSync(SHOTS, {recursive: true});
  const started = Date.now();
  const server = await startServer(binary, {args: ['--max-image-bytes', String(MAX_IMAGE_BYTES)]});
  const stopOnSignal = (sig) => {
    server.killNow();
    console.error(`e2e: ${sig}, server stopped`);
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  let browser = null;
  try {
    const base = server.url;
    step(`orderly serve on ${base} (pid ${server.pid})`);
    const adminToken = await loginToken(base, ADMIN.email, ADMIN.password);
    const mug = (await call(base, 'POST', '/api/products', {token: adminToken,
      body: {name: 'Ceramic mug', category: 'kitchen', price_cents: 1450, stock: 40, description: 'Stoneware mug, glazed in sea green'}})).product;
    const tray = (await call(base, 'POST', '/api/products', {token: adminToken,
      body: {name: 'Walnut tray', category: 'home', price_cents: 5200, stock: 5, description: 'Solid walnut serving tray'}})).product;
    check(Array.isArray(mug.images) && mug.images.length === 0, `a new product has no images (${JSON.stringify(mug.images)})`);

    browser = await chromium.launch({executablePath: CHROMIUM, headless: true});
    const office = await browser.newContext({viewport: {width: 1280, height: 900}});
    const admin = await office.newPage();
    admin.setDefaultTimeout(TIMEOUT);
    watch(admin, 'admin');
    await admin.goto(`${base}/#/login`);
    await admin.getByLabel('Email or username').fill(ADMIN.email);
    await admin.getByLabel('Password').fill(ADMIN.password);
    await admin.getByRole('button', {name: 'Log in'}).click();
    await admin.locator('.nav-user', {hasText: ADMIN.username}).waitFor();

    // The products table links to each product's images page.
    await admin.goto(`${base}/#/admin/products`);
    await admin.getByRole('link', {name: 'Images of Ceramic mug'}).click();
    await admin.getByRole('heading', {name: 'Images of Ceramic mug'}).waitFor();
    await admin.locator('.state-empty', {hasText: 'No images yet'}).waitFor();

    // The picker: a preview first, then the upload with its progress.
    const first = makePng(640, 420);
    await admin.locator('#img-files').setInputFiles({name: 'mug-side.png', mimeType: 'image/png', buffer: first});
    const item = admin.locator('.upload-item[data-file="mug-side.png"]');
    const preview = await loadedImage(item.locator('img.upload-preview'), 'the preview of mug-side.png');
    check(preview.naturalWidth === 640, `the preview shows the chosen file (${preview.naturalWidth} px wide)`);
    check(await item.locator('progress').isHidden(), 'no progress bar before the upload');
    await item.getByLabel('Alt text (optional)').fill('A sea-green mug from the side');
    await item.getByRole('button', {name: 'Upload', exact: true}).click();
    await uploaded(item, 'the upload to finish');
    check(await item.locator('progress').evaluate((p) => p.value === 100), 'the progress bar is full');
    await expectText(item.locator('.upload-status'), 'Uploaded');
    await admin.locator('.image-row').first().waitFor({timeout: UPLOAD_TIMEOUT});
    let stored = await product(base, mug.id);
    check(stored.images.length === 1 && stored.images[0].alt === 'A sea-green mug from the side'
      && stored.images[0].width === 640 && stored.images[0].height === 420, `the image is on the product: ${JSON.stringify(stored.images)}`);
    const sideId = stored.images[0].id;
    await loadedImage(admin.locator(`.image-row[data-image-id="${sideId}"] img`), 'the stored image in the dashboard');
    await admin.screenshot({path: join(SHOTS, 'admin-images.png'), fullPage: true});
    step('an image chosen with the picker: previewed, uploaded with progress, listed');

    // A text file named .png, dropped on the page: the engine's refusal is
    // shown beside it, and nothing is recorded.
    // The product's own events (other streams, such as the analytics
    // counters' periodic flush, may move the log meanwhile).
    const productEvents = async () => (await call(base, 'GET', `/api/admin/events?limit=1000&stream=product-${mug.id}`, {token: adminToken})).items.length;
    const before = await productEvents();
    await dropFiles(admin, '.dropzone', [{name: 'notes.png', type: 'image/png', buffer: Buffer.from('these are my notes, not a picture\n')}]);
    const bad = admin.locator('.upload-item[data-file="notes.png"]');
    await bad.getByRole('button', {name: 'Upload', exact: true}).click();
    await until('the refusal', async () => (await bad.getAttribute('data-state')) === 'failed', {timeout: UPLOAD_TIMEOUT});
    const refusal = await bad.locator('.form-message').innerText();
    check(refusal.trim().length > 0 && !/The request was refused|did not reach/.test(refusal), `the engine's reason is shown: "${refusal}"`);
    check(await bad.getByRole('button', {name: 'Try again'}).isVisible(), 'the refused file can be tried again');
    const direct = await fetch(`${base}/api/products/${mug.id}/images`, {method: 'POST',
      headers: {Authorization: `Bearer ${adminToken}`, 'Content-Type': 'image/png'}, body: 'these are my notes, not a picture\n'});
    const problem = await direct.json();
    check(direct.status === 415 && problem.code === 'unsupported_media_type', `the same bytes over HTTP: ${direct.status} ${JSON.stringify(problem)}`);
    check(refusal.includes(problem.detail.replace(/[.]$/, '').slice(1)), `the page shows the problem's detail ("${problem.detail}" in "${refusal}")`);
    const after = await productEvents();
    check(after === before, `a refused upload records nothing on the product (${before} events, then ${after})`);
    check((await product(base, mug.id)).images.length === 1, 'still one image');
    // A file over --max-image-bytes: the 413's detail is shown.
    const noise = randomBytes(400 * 400 * 3);  // does not compress
    const big = makePng(400, 400, (x, y) => [...noise.subarray((y * 400 + x) * 3, (y * 400 + x) * 3 + 3)]);
    check(big.length > MAX_IMAGE_BYTES, `the noisy PNG is over the limit (${big.length} bytes)`);
    await admin.locator('#img-files').setInputFiles({name: 'huge.png', mimeType: 'image/png', buffer: big});
    const huge = admin.locator('.upload-item[data-file="huge.png"]');
    await huge.getByRole('button', {name: 'Upload', exact: true}).click();
    await until('the refusal of the large file', async () => (await huge.getAttribute('data-state')) === 'failed', {timeout: UPLOAD_TIMEOUT});
    const tooLarge = await huge.locator('.form-message').innerText();
    // The engine's 413 detail, not the page's words for a cut connection.
    check(/larger|large|bytes/i.test(tooLarge) && !/did not reach/.test(tooLarge), `the page shows the 413's detail: "${tooLarge}"`);
    step(`a file over --max-image-bytes: "${tooLarge}"`);
    await huge.getByRole('button', {name: /Remove huge.png/}).click();
    await bad.getByRole('button', {name: /Remove notes.png/}).click();
    await until('the refused file to go', async () => (await bad.count()) === 0);
    step('a text file named .png dropped on the page: refused with the engine\'s reason, nothing recorded');

    // A second image, dropped; moved first; alt text edited.
    const second = makePng(300, 300, (x, y) => ((x >> 5) + (y >> 5)) % 2 ? [250, 240, 200] : [30, 30, 30]);
    await dropFiles(admin, '.dropzone', [{name: 'mug-top.png', type: 'image/png', buffer: second}]);
    const topItem = admin.locator('.upload-item[data-file="mug-top.png"]');
    await loadedImage(topItem.locator('img.upload-preview'), 'the preview of the dropped mug-top.png');
    await topItem.getByLabel('Alt text (optional)').fill('The mug from above');
    await topItem.getByRole('button', {name: 'Upload', exact: true}).click();
    await uploaded(topItem, 'the second upload');
    await until('two stored images', async () => (await admin.locator('.image-row').count()) === 2, {timeout: UPLOAD_TIMEOUT});
    stored = await product(base, mug.id);
    const topId = stored.images[1].id;
    check(stored.images.length === 2 && stored.images[0].id === sideId, 'a new image goes last');
    await admin.getByRole('button', {name: 'Move image 2 earlier'}).click();
    await until('the dropped image to be first', async () => (await admin.locator('.image-row').first().getAttribute('data-image-id')) === topId);
    check((await product(base, mug.id)).images.map((i) => i.id).join() === [topId, sideId].join(), 'the new order is recorded');
    const row = admin.locator(`.image-row[data-image-id="${sideId}"]`);
    await row.getByLabel(/Alt text of image/).fill('A sea-green stoneware mug, side view');
    await row.getByRole('button', {name: 'Save alt text'}).click();
    await admin.locator('.toast', {hasText: 'Alt text saved'}).waitFor();
    stored = await product(base, mug.id);
    check(stored.images[1].alt === 'A sea-green stoneware mug, side view', `the alt text is recorded: ${JSON.stringify(stored.images[1])}`);
    step('a dropped image uploaded, moved first; an alt text edited');

    // Delete the first, then upload another so the product has two.
    admin.once('dialog', (d) => d.accept());
    await admin.getByRole('button', {name: 'Delete image 1'}).click();
    await until('one image left', async () => (await admin.locator('.image-row').count()) === 1);
    check((await product(base, mug.id)).images.map((i) => i.id).join() === sideId, 'the deleted image is gone from the product');
    const third = makePng(500, 250, (x) => [Math.round(x / 2), 160, 90]);
    await admin.locator('#img-files').setInputFiles({name: 'mug-top-again.png', mimeType: 'image/png', buffer: third});
    const again = admin.locator('.upload-item[data-file="mug-top-again.png"]');
    await again.getByLabel('Alt text (optional)').fill('The mug from above');
    await again.getByRole('button', {name: 'Upload', exact: true}).click();
    await uploaded(again, 'the upload after the delete');
    await until('two stored images again', async () => (await admin.locator('.image-row').count()) === 2, {timeout: UPLOAD_TIMEOUT});
    step('an image deleted, another uploaded');

    // The storefront, as an anonymous visitor.
    const visitor = await browser.newContext({viewport: {width: 1280, height: 900}});
    const page = await visitor.newPage();
    page.setDefaultTimeout(TIMEOUT);
    watch(page, 'visitor');
    await page.goto(`${base}/`);
    await until('the product grid', async () => (await page.locator('.product-card').count()) === 2);
    const card = page.locator('.product-card', {hasText: 'Ceramic mug'});
    const cardImg = await loadedImage(card.locator('img.product-img'), 'the mug\'s card image');
    stored = await product(base, mug.id);
    const shown = stored.images[0];
    check(cardImg.alt === shown.alt, `the card's image has its alt text ("${cardImg.alt}")`);
    check(cardImg.width === String(shown.width) && cardImg.height === String(shown.height), `width and height set (${cardImg.width} x ${cardImg.height})`);
    check(cardImg.loading === 'lazy', 'the card image loads lazily');
    check(cardImg.srcset.includes(shown.urls.thumb), `srcset names the thumb (${cardImg.srcset})`);
    check(await page.locator('.product-card', {hasText: 'Walnut tray'}).locator('svg.art').count() === 1, 'a product without images keeps its drawn tile');
    await page.screenshot({path: join(SHOTS, 'storefront-images.png')});

    // The product page: the gallery shows the first image, and the second on a click.
    await card.locator('a').click();
    await page.getByRole('heading', {name: 'Ceramic mug'}).waitFor();
    const large = page.locator('.gallery-stage img');
    const firstLarge = await loadedImage(large, 'the product page\'s image');
    check(firstLarge.alt === shown.alt, `the large image's alt text ("${firstLarge.alt}")`);
    check(await page.locator('.gallery-thumb').count() === 2, 'two thumbnails');
    await page.getByRole('button', {name: /Show image 2 of 2/}).click();
    await until('the second image in the gallery', async () => (await large.getAttribute('alt')) === stored.images[1].alt);
    await loadedImage(large, 'the second large image');
    check(await page.getByRole('button', {name: /Show image 2 of 2/}).getAttribute('aria-pressed') === 'true', 'the chosen thumbnail is pressed');
    await page.screenshot({path: join(SHOTS, 'product-gallery.png')});
    // The image itself: served with its type and cached for good.
    const res = await fetch(shown.urls.original);
    check(res.status === 200 && res.headers.get('content-type') === 'image/png', `the original is served (${res.status} ${res.headers.get('content-type')})`);
    step('storefront: the card\'s image loaded with its alt text, srcset and size; the gallery switches images');

    // Images served from elsewhere (--image-base-url, a CDN): the pages'
    // policy lets the browser load them from that origin, and only there.
    const own = (await fetch(`${base}/`)).headers.get('content-security-policy');
    check(/img-src 'self' data:;/.test(own), `without --image-base-url images come from this origin only (${own})`);
    const cdnServer = await startServer(binary, {args: ['--image-base-url', 'https://cdn.example.test/shop/']});
    try {
      const policy = (await fetch(`${cdnServer.url}/`)).headers.get('content-security-policy');
      check(policy.includes("img-src 'self' data: https://cdn.example.test;"), `the CDN's origin is in img-src (${policy})`);
      check((await fetch(`${cdnServer.url}/web/app.js`)).headers.get('content-security-policy') === policy, 'every page file has the same policy');
    } finally {
      await cdnServer.stop();
    }
    step('the pages\' img-src names --image-base-url\'s origin');

    check(problems.length === 0, `no console errors or CSP violations:\n  ${problems.join('\n  ')}`);
    step(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${SHOTS}`);
  } catch (err) {
    for (const [who, p] of pages) await p.screenshot({path: join(SHOTS, `images-failure-${who}.png`), fullPage: true}).catch(() => {});
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
