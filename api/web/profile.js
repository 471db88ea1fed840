// The account pages: the profile (#/account), saved addresses
// (#/account/addresses), the password (#/account/password) and closing the
// account (#/account/close).
import {h, clear, loading, empty, errorBox, heading, formMessage} from './dom.js';
import {get, post, patch, del, idempotencyKey} from './api.js';
import {endSession} from './session.js';
import {go} from './router.js';
import {toast} from './toast.js';

export function tabs(here) {
  const tab = (href, text) => h('a', {href, class: 'nav-link', 'aria-current': href === here ? 'page' : false}, text);
  return h('nav', {class: 'account-tabs', 'aria-label': 'Account'},
    tab('#/account', 'Profile'), tab('#/account/addresses', 'Addresses'),
    tab('#/account/payments', 'Payments'), tab('#/account/password', 'Password'), tab('#/account/close', 'Close account'));
}

function input(id, label, attrs = {}) {
  return h('div', {class: 'field'},
    h('label', {for: id}, label),
    h('input', {id, name: id, ...attrs, 'aria-describedby': `${id}-error`}),
    h('small', {id: `${id}-error`, class: 'field-error', role: 'alert'}));
}

// Shows the problem's errors[] under their fields; the rest in `message`.
function showErrors(form, message, err, prefix = '') {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  if (!err) return formMessage(message, null);
  const rest = [];
  for (const e of err.fieldErrors || []) {
    const slot = form.querySelector(`#${prefix}${String(e.field).replace(/[^A-Za-z0-9_]/g, '_')}-error`);
    if (slot) slot.textContent = e.message;
    else rest.push(`${e.field}: ${e.message}`);
  }
  formMessage(message, {message: err.message, fields: rest});
}

function page(main, title, here, ...content) {
  clear(main).append(heading(title), tabs(here), ...content);
}

// #/account
export async function profileView(main) {
  page(main, 'Your account', '#/account', loading('Loading your account…'));
  const {user} = await get('/api/auth/me');
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
  const resend = h('button', {class: 'btn btn-ghost btn-sm', type: 'button'}, 'Resend verification email');
  resend.addEventListener('click', async () => {
    resend.disabled = true;
    try {
      await post('/api/auth/verify-email/resend', undefined);
      toast('A new verification link is on its way.', {kind: 'success'});
    } catch (err) {
      toast(err.message, {kind: 'error'});
    }
    resend.disabled = false;
  });
  const form = h('form', {class: 'card account-form', novalidate: true},
    input('username', 'Username', {value: user.username, autocomplete: 'username'}),
    input('email', 'Email', {type: 'email', value: user.email, autocomplete: 'email'}),
    h('p', {class: 'email-status'},
      h('span', {class: `badge ${user.email_verified ? 'badge-succeeded' : 'badge-pending'}`, 'data-verified': String(user.email_verified)},
        user.email_verified ? 'verified' : 'not verified'),
      user.email_verified ? null : resend),
    input('display_name', 'Display name', {value: user.display_name || '', maxlength: 64, autocomplete: 'name'}),
    message,
    h('button', {class: 'btn btn-primary', type: 'submit'}, 'Save'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form).entries());
    const body = {};
    if (v.username.trim() !== user.username) body.username = v.username.trim();
    if (v.email.trim() !== user.email) body.email = v.email.trim();
    if (v.display_name !== (user.display_name || '')) body.display_name = v.display_name;
    showErrors(form, message, null);
    if (!Object.keys(body).length) return toast('Nothing to change.', {kind: 'info'});
    try {
      await patch('/api/auth/me', body);
      toast('Your account was saved.', {kind: 'success'});
      await profileView(main);
    } catch (err) {
      showErrors(form, message, err);
      message.focus();
    }
  });
  page(main, 'Your account', '#/account', form);
}

const ADDRESS_FIELDS = [
  ['name', 'Full name', {required: true, maxlength: 100, autocomplete: 'name'}],
  ['line1', 'Address line 1', {required: true, maxlength: 100, autocomplete: 'address-line1'}],
  ['line2', 'Address line 2', {maxlength: 200, autocomplete: 'address-line2'}],
  ['city', 'City', {required: true, maxlength: 100, autocomplete: 'address-level2'}],
  ['postal_code', 'Postal code', {required: true, maxlength: 20, autocomplete: 'postal-code'}],
  ['country', 'Country (2 letters, e.g. GB)', {required: true, maxlength: 2, autocomplete: 'country'}],
  ['phone', 'Phone', {maxlength: 32, type: 'tel', autocomplete: 'tel'}],
];

// The address's fields, ids prefixed so that two forms can share a page.
export function addressFields(prefix, value = {}) {
  return ADDRESS_FIELDS.map(([k, label, attrs]) => input(`${prefix}${k}`, label, {...attrs, value: value[k] || ''}));
}

export function readAddress(form, prefix) {
  const out = {};
  for (const [k] of ADDRESS_FIELDS) {
    const v = String(form.querySelector(`#${prefix}${k}`).value || '').trim();
    out[k] = k === 'country' ? v.toUpperCase() : v;
  }
  return out;
}

// An address in one line (an order's snapshot may also be a plain string).
export function addressText(a) {
  if (!a) return '';
  if (typeof a === 'string') return a;
  return [a.name, a.line1, a.line2, a.city, a.postal_code, a.country, a.phone].filter(Boolean).join(', ');
}

function addressForm(prefix, value, submitText, action, onCancel) {
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
  const form = h('form', {class: 'card address-form', novalidate: true}, addressFields(prefix, value), message,
    h('div', {class: 'form-actions'}, h('button', {class: 'btn btn-primary', type: 'submit'}, submitText),
      onCancel ? h('button', {class: 'btn btn-ghost', type: 'button', onclick: onCancel}, 'Cancel') : null));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showErrors(form, message, null, prefix);
    try {
      await action(readAddress(form, prefix));
    } catch (err) {
      showErrors(form, message, err, prefix);
      message.focus();
    }
  });
  return form;
}

// #/account/addresses
export async function addressesView(main) {
  page(main, 'Your addresses', '#/account/addresses', loading('Loading your addresses…'));
  const {items} = await get('/api/auth/me/addresses');
  const reload = () => addressesView(main).catch((err) => clear(main).append(errorBox(err, () => addressesView(main))));
  const list = h('ul', {class: 'address-list'});
  const act = async (fn, done) => {
    try {
      await fn();
      toast(done, {kind: 'success'});
      reload();
    } catch (err) {
      toast(err.message, {kind: 'error'});
    }
  };
  for (const a of items) {
    const id = encodeURIComponent(a.id);
    const li = h('li', {class: 'card address-card', dataset: {addressId: a.id}});
    const show = () => clear(li).append(
      h('p', {class: 'address-text'}, addressText(a), a.is_default ? h('span', {class: 'badge badge-active'}, ' Default') : null),
      h('div', {class: 'order-actions'},
        h('button', {class: 'btn btn-ghost btn-sm', type: 'button', onclick: () => clear(li).append(
          addressForm(`edit-${a.id}-`, a, 'Save address', (v) => act(() => patch(`/api/auth/me/addresses/${id}`, v), 'Address saved.'), show))}, 'Edit'),
        a.is_default ? null : h('button', {class: 'btn btn-ghost btn-sm', type: 'button',
          onclick: () => act(() => patch(`/api/auth/me/addresses/${id}`, {is_default: true}), 'Default address changed.')}, 'Make default'),
        h('button', {class: 'btn btn-danger btn-sm', type: 'button', onclick: () => {
          if (window.confirm('Delete this address?')) act(() => del(`/api/auth/me/addresses/${id}`), 'Address deleted.');
        }}, 'Delete')));
    show();
    list.append(li);
  }
  const add = addressForm('new-', {}, 'Add address', async (v) => {
    await post('/api/auth/me/addresses', v, {headers: {'Idempotency-Key': idempotencyKey()}});
    toast('Address added.', {kind: 'success'});
    reload();
  });
  page(main, 'Your addresses', '#/account/addresses',
    items.length ? list : empty('You have no saved addresses yet.'),
    h('h2', {}, 'Add an address'), add);
}

// #/account/password
export async function passwordView(main) {
  page(main, 'Password', '#/account/password', loading());
  const {user} = await get('/api/auth/me');
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
  const form = h('form', {class: 'card account-form', novalidate: true},
    user.has_password ? input('current_password', 'Current password', {type: 'password', autocomplete: 'current-password', required: true})
      : h('p', {class: 'muted'}, 'Your account has no password yet: set one to log in without your provider.'),
    input('new_password', 'New password', {type: 'password', autocomplete: 'new-password', minlength: 8, required: true}),
    message,
    h('button', {class: 'btn btn-primary', type: 'submit'}, user.has_password ? 'Change password' : 'Set password'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form).entries());
    showErrors(form, message, null);
    const body = {new_password: v.new_password};
    if (user.has_password) body.current_password = v.current_password;
    try {
      await post('/api/auth/password', body);
      toast('Your password was changed.', {kind: 'success'});
      form.reset();
      await passwordView(main);
    } catch (err) {
      showErrors(form, message, err);
      message.focus();
    }
  });
  page(main, 'Password', '#/account/password', form);
}

// #/account/close
export async function closeView(main) {
  page(main, 'Close your account', '#/account/close', loading());
  const {user} = await get('/api/auth/me');
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
  const confirmInput = input('confirm_username', `Type your username (${user.username}) to confirm`, {autocomplete: 'off'});
  const form = h('form', {class: 'card account-form', novalidate: true},
    h('p', {}, 'Closing your account logs you out everywhere; you cannot log in with it again.'),
    confirmInput, message,
    h('button', {class: 'btn btn-danger', type: 'submit'}, 'Close my account'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    formMessage(message, null);
    if (form.querySelector('#confirm_username').value.trim() !== user.username) {
      formMessage(message, {message: 'The username you typed does not match.'});
      return;
    }
    try {
      await del('/api/auth/me');
      endSession('logout');  // the account's sessions ended with it
      toast('Your account was closed.', {kind: 'info'});
      go('/');
    } catch (err) {
      formMessage(message, err);
      message.focus();
    }
  });
  page(main, 'Close your account', '#/account/close', form);
}
