// Logging in and registering. The answer's token pair is kept by session.js.
import {h, clear, heading, formMessage} from './dom.js';
import {go} from './router.js';
import {login, register} from './session.js';

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

function authForm(main, {title, intro, fields, submit, busyText, action, alternative}) {
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
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
  clear(main).append(h('div', {class: 'auth-page'}, heading(title), h('p', {class: 'lead'}, intro), form));
  main.querySelector('input').focus();
}

// #/login?next=/cart
export function loginView(main, {query: params}) {
  authForm(main, {
    title: 'Log in', intro: 'Welcome back. Log in to see your cart and orders.', submit: 'Log in', busyText: 'Logging in…',
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
