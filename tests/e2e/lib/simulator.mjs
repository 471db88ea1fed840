// The payment provider simulator (ops/payment_simulator.py, Python's
// standard library only) as the browser tests' provider: started on a free
// loopback port against an engine's webhook, read back from its first line
// ("listening on http://127.0.0.1:<port>"), stopped by its PID. Its control
// API sends a webhook now (`control`), signed with the secrets it was given.
import {spawn} from 'node:child_process';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'ops', 'payment_simulator.py');
const PYTHON = '/usr/bin/python3';  // Debian's: the first python3 on PATH may be another

// `port`: 0 picks a free one; `args`: more flags (e.g. --delay-ms).
export async function startSimulator({webhookUrl, secretFile, port = 0, args = [], startupMs = 30_000}) {
  const child = spawn(PYTHON, [SCRIPT, 'serve', '--port', String(port), '--webhook-url', webhookUrl, '--secret-file', secretFile, ...args],
    {stdio: ['ignore', 'pipe', 'pipe']});
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the payment simulator did not start in ${startupMs} ms:\n${log}`)), startupMs);
    const scan = (chunk) => {
      log += chunk.toString();
      if (log.length > 200_000) log = log.slice(-100_000);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', scan);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the payment simulator exited at start (${code ?? signal}):\n${log}`));
    });
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return {
    url,
    log: () => log,
    // POST /_control/webhook {type, data, [id]} → {event_id, status, body}: status is the engine's answer.
    async control(event) {
      const res = await fetch(`${url}/_control/webhook`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(event)});
      if (!res.ok) throw new Error(`simulator control → ${res.status} ${await res.text()}`);
      return res.json();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGTERM');
        const hard = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
        await exited;
        clearTimeout(hard);
      }
    },
    killNow() {
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
    },
  };
}
