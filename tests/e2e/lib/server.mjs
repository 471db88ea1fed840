// A real `orderly serve` for the browser tests: a temporary data directory
// with an admin created first (`orderly admin create-user`), a free
// loopback port chosen by the server itself (--http-address 127.0.0.1:0,
// read back from its "listening on" line), stopped by its PID.
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export const ADMIN = {username: 'admin', email: 'admin@example.com', password: 'admin-password-1'};

// `args`: more flags for `orderly serve` (e.g. the OpenID provider's).
export async function startServer(binary, {startupMs = 120_000, args = []} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-e2e-'));
  const data = join(dir, 'data');
  const pwFile = join(dir, 'admin.pw');
  writeFileSync(pwFile, ADMIN.password, {mode: 0o600});
  const made = spawnSync(binary, ['admin', 'create-user', '--data-dir', data, '--username', ADMIN.username,
    '--email', ADMIN.email, '--password-file', pwFile], {encoding: 'utf8', timeout: 120_000});
  if (made.status !== 0) {
    rmSync(dir, {recursive: true, force: true});
    throw new Error(`orderly admin create-user failed (${made.status}): ${made.stdout}${made.stderr}`);
  }
  // --no-demo: the test seeds its own catalog, so it knows every product.
  const child = spawn(binary, ['serve', '--data-dir', data, '--http-address', '127.0.0.1:0', '--log-format', 'json', '--no-demo', ...args],
    {stdio: ['ignore', 'pipe', 'pipe']});
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`orderly serve did not start in ${startupMs} ms:\n${log}`)), startupMs);
    const scan = (chunk) => {
      log += chunk.toString();
      if (log.length > 1_000_000) log = log.slice(-500_000);
      // "listening on": other lines may name other servers (an OpenID provider).
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', scan);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`orderly serve exited at start (${code ?? signal}):\n${log}`));
    });
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));

  let stopped = null;
  return {
    dir,
    port,
    url: `http://127.0.0.1:${port}`,
    dataDir: data,  // its outbox holds the emails (.eml)
    pid: child.pid,
    log: () => log,
    // SIGTERM (a graceful stop), SIGKILL after 20 s; then the directory goes.
    stop() {
      if (stopped) return stopped;
      stopped = (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          process.kill(child.pid, 'SIGTERM');
          const hard = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 20_000);
          const how = await exited;
          clearTimeout(hard);
          if (how !== 0) console.error(`orderly serve stopped with ${how}`);
        }
        rmSync(dir, {recursive: true, force: true});
      })();
      return stopped;
    },
    // For a signal handler: no waiting possible.
    killNow() {
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
      rmSync(dir, {recursive: true, force: true});
    },
  };
}
