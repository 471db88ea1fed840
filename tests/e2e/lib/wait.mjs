// Waiting on conditions, never on fixed sleeps: the CI machine is small
// and shared, so every wait polls until its condition holds or a generous
// deadline passes, and then fails saying what it waited for.
export const TIMEOUT = 30_000;

export async function until(what, check, {timeout = TIMEOUT, every = 100} = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : last !== undefined ? ` (last: ${JSON.stringify(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}

// The locator's text contains `text` (string or RegExp).
export async function expectText(locator, text, what = String(text)) {
  return until(`text ${what}`, async () => {
    const t = await locator.innerText({timeout: 2_000});
    return typeof text === 'string' ? t.includes(text) : text.test(t);
  });
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}
