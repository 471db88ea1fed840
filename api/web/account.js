// Logging in and registering, also with an OpenID provider ("Sign in with
// google"). The answer's token pair is kept by session.js.
import {h, clear, heading, formMessage} from './dom.js';
import {go} from './router.js';
import {login, register, signInWithCode} from './session.js';
import {get} from './api.js';

function field(id, label, attrs, hint = '') {
  return h('div', {class: 'field'},
    h('label', {for: id}, label),
    h('input', {id, name: id, required: true, ...attrs, 'aria-describedby': hint ? `${id}-hint` : false}),
    hint ? h('small', {id: `${id}-hint`, class: 'muted'}, hint) : null);
}

// Only a path of this page (#/...), so a crafted link cannot send the user away.
function nextPath(params) {
  const next = params.get('next') || '/';
  return /^\/[A-Za-z0-9/_\-?=&%.]*$/.test(next) ? next : '/';
}

// Why a sign-in with the provider came back refused (#/login?oidc_error=code).
const OIDC_ERRORS = {
  oidc_state_invalid: 'That sign-in took too long or was started in another window. Please try again.',
  oidc_token_invalid: 'The sign-in could not be verified. Please try again.',
  oidc_provider_error: 'The sign-in was not completed at the provider.',
  oidc_unavailable: 'The sign-in provider cannot be reached right now. Try again in a moment.',
  account_conflict: 'An account with this email already exists. Log in with its password.',
  forbidden: 'This account is deactivated.',
  overloaded: 'The shop is very busy right now. Try again in a few seconds.',
};

// "Sign in with <name>" for each configured provider (none: nothing shown).
function providerLinks(next) {
  const box = h('div', {class: 'oidc-providers'});
  get('/api/auth/providers', {auth: false}).then((answer) => {
    for (const p of answer.items || []) {
      box.append(h('a', {class: 'btn btn-lg oidc-link', href: `${p.start_url}?return_to=${encodeURIComponent(next)}`},
        `Sign in with ${p.name}`));
    }
  }).catch(() => {});  // the form works without them
  return box;
}

function authForm(main, {title, intro, fields, submit, busyText, action, alternative, next, notice = null}) {
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
  if (notice) formMessage(message, {message: notice});
  const button = h('button', {class: 'btn btn-primary btn-lg', type: 'submit'}, submit);
  const form = h('form', {class: 'card auth-form', novalidate: true}, fields, message, button, alternative);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    formMessage(message, null);
    const values = Object.fromEntries(new FormData(form).entries());
    const missing = fields.map((f) => f.querySelector('input')).filter((i) => !String(values[i.name] || '').trim());
    if (missing.length) {
      formMessage(message, {message: `Please fill in: ${missing.map((i) => form.querySelector(`label[for=${i.id}]`).textContent).join(', ')}.`});
      missing[0].focus();
      return;
    }
    button.disabled = true;
    button.textContent = busyText;
    try {
      await action(values);
    } catch (err) {
      formMessage(message, err);
      message.focus();
      button.disabled = false;
      button.textContent = submit;
    }
  });
  clear(main).append(h('div', {class: 'auth-page'}, heading(title), h('p', {class: 'lead'}, intro), form, providerLinks(next)));
  main.querySelector('input').focus();
}

// #/login?next=/cart
export function loginView(main, {query: params}) {
  authForm(main, {
    title: 'Log in', intro: 'Welcome back. Log in to see your cart and orders.', submit: 'Log in', busyText: 'Logging in…',
    next: nextPath(params),
    notice: params.get('oidc_error') ? (OIDC_ERRORS[params.get('oidc_error')] || 'The sign-in did not succeed. Please try again.') : null,
    fields: [field('identity', 'Email or username', {autocomplete: 'username'}), field('password', 'Password', {type: 'password', autocomplete: 'current-password'})],
    action: async (v) => {
      await login(v.identity.trim(), v.password);
      go(nextPath(params));
    },
    alternative: h('div', {},
      h('p', {class: 'muted'}, 'New here? ', h('a', {href: `#/register?next=${encodeURIComponent(nextPath(params))}`}, 'Create an account')),
      h('p', {class: 'muted'}, h('a', {href: '#/forgot-password'}, 'Forgot your password?'))),
  });
}

// #/register
export function registerView(main, {query: params}) {
  authForm(main, {
    title: 'Create your account', intro: 'It takes a few seconds. Your cart is kept on your account.', submit: 'Create account', busyText: 'Creating your account…',
    next: nextPath(params),
    fields: [
      field('username', 'Username', {autocomplete: 'username', minlength: 3, maxlength: 32}, '3 to 32 letters, digits, dots, dashes or underscores'),
      field('email', 'Email', {type: 'email', autocomplete: 'email'}),
      field('password', 'Password', {type: 'password', autocomplete: 'new-password', minlength: 8}, 'At least 8 characters'),
    ],
    action: async (v) => {
      await register(v.username.trim(), v.email.trim(), v.password);
      go(nextPath(params));
    },
    alternative: h('p', {class: 'muted'}, 'Already have an account? ', h('a', {href: `#/login?next=${encodeURIComponent(nextPath(params))}`}, 'Log in')),
  });
}

// #/oidc?code=...&next=/orders: where the provider's sign-in lands. The code
// works once: it leaves the address bar (and the history) before it is used.
export async function oidcView(main, {query: params}) {
  const code = params.get('code') || '';
  const next = nextPath(params);
  history.replaceState(null, '', `${location.pathname}#/oidc`);
  clear(main).append(h('div', {class: 'auth-page'}, heading('Signing you in…')));
  try {
    await signInWithCode(code);
    go(next);
  } catch (err) {
    clear(main).append(h('div', {class: 'auth-page'}, heading('Sign-in did not finish'),
      h('p', {class: 'lead'}, err.code === 'invalid_token' ? 'That sign-in link has expired or was used already.' : err.message),
      h('p', {}, h('a', {href: `#/login?next=${encodeURIComponent(next)}`}, 'Back to log in'))));
  }
}
