// The pages the account emails link to, and the forgotten-password form:
//   #/forgot-password            ask for a reset link (the answer never says
//                                whether an account has the email)
//   #/reset-password?token=...   choose a new password
//   #/verify-email?token=...     confirm the email address
// The token is taken out of the address (history.replaceState) before the
// API is called: it stays out of the browser's history and of any link
// copied from the address bar.
import {h, clear, heading, formMessage} from './dom.js';
import {post} from './api.js';

// The token of the link that opened the page, removed from the address.
function takeToken(query, path) {
  const token = query.get('token') || '';
  history.replaceState(null, '', `#${path}`);
  return token;
}

function page(main, title, intro, ...body) {
  clear(main).append(h('div', {class: 'auth-page'}, heading(title), h('p', {class: 'lead'}, intro), ...body));
}

function simpleForm({fields, submit, busyText, action}) {
  const message = h('div', {class: 'form-message', role: 'alert', tabindex: '-1'});
  const button = h('button', {class: 'btn btn-primary btn-lg', type: 'submit'}, submit);
  const form = h('form', {class: 'card auth-form', novalidate: true}, ...fields, message, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    formMessage(message, null);
    button.disabled = true;
    button.textContent = busyText;
    try {
      await action(Object.fromEntries(new FormData(form).entries()), form);
    } catch (err) {
      formMessage(message, err);
      message.focus();
      button.disabled = false;
      button.textContent = submit;
    }
  });
  return form;
}

function input(id, label, attrs) {
  return h('div', {class: 'field'}, h('label', {for: id}, label), h('input', {id, name: id, required: true, ...attrs}));
}

function done(main, title, text) {
  page(main, title, text, h('p', {}, h('a', {class: 'btn btn-primary', href: '#/login'}, 'Log in')));
}

// #/forgot-password
export function forgotPasswordView(main) {
  page(main, 'Forgot your password?', 'Enter the email of your account: we will send you a link to choose a new password.',
    simpleForm({
      fields: [input('email', 'Email', {type: 'email', autocomplete: 'email'})],
      submit: 'Send me a link', busyText: 'Sending…',
      action: async (v) => {
        await post('/api/auth/password-reset', {email: String(v.email || '').trim()}, {auth: false});
        page(main, 'Check your email', 'If an account has this email, a link to reset its password is on its way. It works once, for a short time.');
      },
    }));
  main.querySelector('input').focus();
}

// #/reset-password?token=...
export function resetPasswordView(main, {query}) {
  const token = takeToken(query, '/reset-password');
  if (!token) {
    page(main, 'Reset your password', 'Open the link from the email we sent you, or ask for a new one.',
      h('p', {}, h('a', {href: '#/forgot-password'}, 'Ask for a new link')));
    return;
  }
  page(main, 'Choose a new password', 'At least 8 characters, not a common password.',
    simpleForm({
      fields: [input('new_password', 'New password', {type: 'password', autocomplete: 'new-password', minlength: 8})],
      submit: 'Set my password', busyText: 'Saving…',
      action: async (v) => {
        await post('/api/auth/password-reset/confirm', {token, new_password: v.new_password}, {auth: false});
        done(main, 'Your password is set', 'Every session was signed out. Log in with your new password.');
      },
    }),
    h('p', {class: 'muted'}, 'Link expired or used already? ', h('a', {href: '#/forgot-password'}, 'Ask for a new one')));
  main.querySelector('input').focus();
}

// #/verify-email?token=...
export async function verifyEmailView(main, {query}) {
  const token = takeToken(query, '/verify-email');
  page(main, 'Confirming your email…', '');
  try {
    await post('/api/auth/verify-email', {token}, {auth: false});
    page(main, 'Your email is confirmed', 'Thank you.', h('p', {}, h('a', {class: 'btn btn-primary', href: '#/'}, 'Go to the shop')));
  } catch (err) {
    page(main, 'This link does not work', `${err.message} Log in and ask for a new link from your account.`);
  }
}
