// Seeding through the public API, as an admin would (Node's fetch).
export async function call(base, method, path, {token, body} = {}) {
  const headers = {Accept: 'application/json'};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return data;
}

export async function loginToken(base, email, password) {
  return (await call(base, 'POST', '/api/auth/login', {body: {email, password}})).access_token;
}
