// Routing on the URL fragment (#/cart, #/product/<id>, #/admin/orders?status=pending):
// the server has one document at `/`, and reloads and the back button work.

const routes = [];

// add('/product/:id', view): view({params, query}) renders into the main element.
export function add(pattern, view, {admin = false, user = false} = {}) {
  const names = [];
  const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; })}$`);
  routes.push({re, names, view, admin, user});
}

export function current() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return {path: path || '/', query: new URLSearchParams(search)};
}

export function match(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (!m) continue;
    const params = {};
    r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
    return {route: r, params};
  }
  return null;
}

// Go to a path, with a query object whose empty values are left out.
export function go(path, queryParams = null) {
  let target = `#${path}`;
  if (queryParams) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(queryParams)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    }
    const s = q.toString();
    if (s) target += `?${s}`;
  }
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}

export function link(path) {
  return `#${path}`;
}
