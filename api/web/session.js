// Who is logged in: the token pair kept in localStorage (so a reload keeps
// the session), refreshed silently a minute before the access token
// expires. Refresh tokens rotate: every refresh stores the new one, and the
// old one is dead, so only one refresh may be in flight at a time.
import {request} from './api.js';

const KEY = 'orderly.session';
const listeners = new Set();
let current = load();
let refreshTimer = null;
let inFlight = null;

function load() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (s && typeof s.access_token === 'string' && typeof s.refresh_token === 'string' && s.user) return s;
  } catch {
    // A damaged entry is no session.
  }
  return null;
}

function save(next, reason = '') {
  current = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  schedule();
  for (const fn of listeners) fn(current, reason);
}

// The answer of register, login and refresh → what is kept.
function fromAnswer(a) {
  const lifetime = Number.isInteger(a.expires_in) && a.expires_in > 0 ? a.expires_in : 900;
  return {user: a.user, access_token: a.access_token, refresh_token: a.refresh_token, expires_at: Date.now() + lifetime * 1000, lifetime};
}

function schedule() {
  clearTimeout(refreshTimer);
  if (!current) return;
  // A minute early (a tenth of the lifetime for short ones), never negative.
  const margin = Math.min(60_000, (current.lifetime || 900) * 100);
  const wait = Math.max(0, current.expires_at - Date.now() - margin);
  refreshTimer = setTimeout(() => { refreshSession(); }, wait);
}

export const session = () => current;
export const accessToken = () => (current ? current.access_token : null);
export const isAdmin = () => Boolean(current && current.user && current.user.role === 'admin');

export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export async function login(identity, password) {
  const body = identity.includes('@') ? {email: identity, password} : {username: identity, password};
  save(fromAnswer(await request('POST', '/api/auth/login', {body, auth: false})), 'login');
}

export async function register(username, email, password) {
  save(fromAnswer(await request('POST', '/api/auth/register', {body: {username, email, password}, auth: false})), 'login');
}

// A sign-in with an OpenID provider: the one-time code its callback put in
// the page's URL, exchanged (with the sign-in's cookie) for the token pair.
export async function signInWithCode(code) {
  save(fromAnswer(await request('POST', '/api/auth/oidc/exchange', {body: {code}, auth: false})), 'login');
}

// True when the session was renewed; false when it could not be (ended).
export function refreshSession() {
  if (inFlight) return inFlight;
  inFlight = (async () => {
    // Another tab may have rotated the pair already: adopt its newer one.
    const stored = load();
    if (stored && current && stored.refresh_token !== current.refresh_token && stored.expires_at - Date.now() > 60_000) {
      save(stored, 'refresh');
      return true;
    }
    if (!current) return false;
    try {
      const a = await request('POST', '/api/auth/refresh', {body: {refresh_token: current.refresh_token}, auth: false});
      save(fromAnswer(a), 'refresh');
      return true;
    } catch (err) {
      // Offline or the engine busy: keep the session and try again soon;
      // a refused token (401) means the session is over.
      if (err.status === 401 || err.status === 422 || err.status === 400) {
        endSession('Your session has ended. Please log in again.');
        return false;
      }
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => { refreshSession(); }, 5_000);
      return false;
    }
  })().finally(() => { inFlight = null; });
  return inFlight;
}

export async function logout() {
  const s = current;
  if (s) {
    try {
      await request('POST', '/api/auth/logout', {body: {refresh_token: s.refresh_token}});
    } catch {
      // Logging out locally matters most; the token expires anyway.
    }
  }
  save(null, 'logout');
}

export function endSession(reason) {
  if (current) save(null, reason || 'ended');
}

// Another tab logged in, out or refreshed.
window.addEventListener('storage', (e) => {
  if (e.key !== KEY) return;
  current = load();
  schedule();
  for (const fn of listeners) fn(current, 'other-tab');
});

// An access token that expired while the page was closed: refresh at once.
if (current) schedule();
