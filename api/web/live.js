// The live feed: /ws/notifications, one JSON message per event that
// concerns the caller (admins: every event with scope=all). The socket
// reconnects by itself after a drop, backing off from 0.5 s to 15 s with
// jitter, and always with the current access token (browsers cannot set
// headers on a WebSocket, so this is the one place a token is in a URL).
import {accessToken, refreshSession} from './session.js';

export function connectLive({scope = '', onMessage, onState = () => {}}) {
  let socket = null;
  let stopped = false;
  let attempt = 0;
  let timer = null;
  // Closing a socket that is still connecting makes the browser log an
  // error; such a socket is closed as soon as it opens instead.
  const shut = (ws, code, reason) => {
    if (ws.readyState === WebSocket.CONNECTING) ws.addEventListener('open', () => ws.close(code, reason));
    else ws.close(code, reason);
  };

  const open = () => {
    const token = accessToken();
    if (stopped || !token) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const params = new URLSearchParams({access_token: token});
    if (scope) params.set('scope', scope);
    onState('connecting');
    let opened = false;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/ws/notifications?${params}`);
    } catch {
      return retry();
    }
    socket.addEventListener('open', () => {
      if (stopped) return;
      opened = true;
      attempt = 0;
      onState('live');
    });
    socket.addEventListener('message', (e) => {
      if (stopped) return;
      let msg = null;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;  // not ours to show
      }
      if (msg && typeof msg.type === 'string') onMessage(msg);
    });
    socket.addEventListener('close', async (e) => {
      socket = null;
      if (stopped) return;
      onState('offline');
      // Refused at the upgrade (no open) or closed as unauthorized: the
      // token may have expired; renew it before the next try.
      if (!opened || e.code === 1008) await refreshSession();
      retry();
    });
  };

  const retry = () => {
    if (stopped) return;
    const base = Math.min(15_000, 500 * 2 ** attempt);
    attempt += 1;
    clearTimeout(timer);
    timer = setTimeout(open, base / 2 + Math.random() * base / 2);
  };

  open();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      if (socket) shut(socket, 1000, 'bye');
      socket = null;
    },
    // For a new token: drop the socket and reopen with it.
    reopen() {
      if (socket) shut(socket, 1000, 'new token');
      else { clearTimeout(timer); open(); }
    },
  };
}
