// The staff's user tools: search by name or email, filter by role and
// status, a user's page with their order stats, and the role and
// (de)activation changes in modal dialogs. The engine's rules decide (an
// admin cannot demote or deactivate themselves, nor the last admin); a
// refusal is shown in the dialog in plain words.
import {get, post, put, query} from './api.js';
import {h, clear, loading, empty, errorBox, heading, debounce, formMessage, shortId} from './dom.js';
import {money, dateTime} from './format.js';
import {adminTabs} from './admin_nav.js';
import {pager} from './shop.js';
import {toast} from './toast.js';

const PER_PAGE = 20;
const ROLES = [['', 'Any role'], ['customer', 'Customers'], ['admin', 'Admins']];
const STATUSES = [['', 'Any status'], ['active', 'Active'], ['deactivated', 'Deactivated'], ['closed', 'Closed']];
const STATUS_TEXT = {active: 'Active', deactivated: 'Deactivated', closed: 'Closed'};

function statusBadge(status) {
  return h('span', {class: `badge badge-${status}`, dataset: {status}}, STATUS_TEXT[status] || status);
}

// A confirmation in a modal dialog; `reason` adds a text field whose value
// is sent as the event's reason. Resolves once the change is made (or the
// dialog is closed), then calls `done`.
function changeDialog({title, text, confirm, danger = false, reason = false, request, done}) {
  const message = h('div', {class: 'form-message', role: 'alert'});
  const why = reason ? h('input', {id: 'u-reason', maxlength: 200, autocomplete: 'off'}) : null;
  const save = h('button', {class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, type: 'submit'}, confirm);
  const cancel = h('button', {class: 'btn btn-ghost', type: 'button'}, 'Cancel');
  const form = h('form', {class: 'dialog-form'}, h('h2', {}, title), h('p', {}, text),
    why ? h('div', {class: 'field'}, h('label', {for: 'u-reason'}, 'Reason (optional, kept in the audit log)'), why) : null,
    message, h('div', {class: 'actions'}, cancel, save));
  const dialog = h('dialog', {class: 'dialog', 'aria-label': title}, form);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    formMessage(message, null);
    try {
      await request(why ? why.value.trim() : '');
      dialog.close();
      toast(`${title}: done.`, {kind: 'success'});
      done();
    } catch (err) {
      formMessage(message, err);
      save.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
}

// The buttons for what may be done to `u`; `done` reloads the view.
function actions(u, done) {
  const path = `/api/admin/users/${encodeURIComponent(u.id)}`;
  const out = [];
  if (u.status !== 'closed') {
    const to = u.role === 'admin' ? 'customer' : 'admin';
    out.push(h('button', {class: 'btn btn-sm', type: 'button', 'aria-label': `Make ${u.username} ${to === 'admin' ? 'an admin' : 'a customer'}`,
      onclick: () => changeDialog({title: to === 'admin' ? `Make ${u.username} an admin` : `Make ${u.username} a customer`,
        text: to === 'admin' ? 'They will see the dashboard and change the catalog, orders and users.' : 'Their admin access ends with their next request.',
        confirm: to === 'admin' ? 'Make admin' : 'Make customer', request: () => put(`${path}/role`, {role: to}), done})},
      to === 'admin' ? 'Make admin' : 'Make customer'));
  }
  if (u.status === 'active') {
    out.push(h('button', {class: 'btn btn-danger btn-sm', type: 'button', 'aria-label': `Deactivate ${u.username}`,
      onclick: () => changeDialog({title: `Deactivate ${u.username}`, danger: true, reason: true,
        text: 'They are logged out everywhere at once and cannot log in until reactivated. Their orders stay.',
        confirm: 'Deactivate', request: (why) => post(`${path}/deactivate`, why ? {reason: why} : undefined), done})},
      'Deactivate'));
  } else if (u.status === 'deactivated') {
    out.push(h('button', {class: 'btn btn-sm', type: 'button', 'aria-label': `Reactivate ${u.username}`,
      onclick: () => changeDialog({title: `Reactivate ${u.username}`, text: 'They may log in again.',
        confirm: 'Reactivate', request: () => post(`${path}/reactivate`, undefined), done})},
      'Reactivate'));
  }
  return out;
}

function row(u, reload) {
  return h('tr', {dataset: {userId: u.id}},
    h('th', {scope: 'row'}, h('a', {href: `#/admin/users/${encodeURIComponent(u.id)}`}, u.username)),
    h('td', {}, u.email),
    h('td', {}, u.role === 'admin' ? 'Admin' : 'Customer'),
    h('td', {}, statusBadge(u.status)),
    h('td', {}, dateTime(u.created_at)),
    h('td', {class: 'actions-cell'}, actions(u, reload)));
}

// #/admin/users?q=&role=&status=&page=
export async function adminUsersView(main, {query: params}) {
  const state = {q: params.get('q') || '', role: params.get('role') || '', status: params.get('status') || '',
    page: Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1)};
  const search = h('input', {id: 'u-q', type: 'search', value: state.q, placeholder: 'Name or email', autocomplete: 'off'});
  const role = h('select', {id: 'u-role'}, ROLES.map(([v, t]) => h('option', {value: v, selected: v === state.role}, t)));
  const status = h('select', {id: 'u-status'}, STATUSES.map(([v, t]) => h('option', {value: v, selected: v === state.status}, t)));
  // Only the list reloads: the search box keeps its focus while typing.
  const changed = () => {
    Object.assign(state, {q: search.value.trim(), role: role.value, status: status.value, page: 1});
    load();
  };
  const form = h('form', {class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); changed(); }},
    h('div', {class: 'field grow'}, h('label', {for: 'u-q'}, 'Search users'), search),
    h('div', {class: 'field'}, h('label', {for: 'u-role'}, 'Role'), role),
    h('div', {class: 'field'}, h('label', {for: 'u-status'}, 'Status'), status));
  search.addEventListener('input', debounce(changed, 400));
  role.addEventListener('change', changed);
  status.addEventListener('change', changed);
  const list = h('section', {'aria-label': 'Users'});
  clear(main).append(heading('Users'), adminTabs('/admin/users'), form, list);
  const load = async () => {
    // The fragment mirrors the filters, so a reload or a shared link shows the same list.
    history.replaceState(null, '', `#/admin/users${query({...state, page: state.page > 1 ? state.page : ''})}`);
    clear(list).append(loading('Loading users…'));
    try {
      const answer = await get(`/api/admin/users${query({...state, per_page: PER_PAGE})}`);
      clear(list);
      if (!answer.items.length) {
        list.append(empty(state.q || state.role || state.status ? 'No user matches.' : 'No users yet.'));
        return;
      }
      list.append(h('p', {class: 'muted', role: 'status'}, `${answer.total} ${answer.total === 1 ? 'user' : 'users'}`),
        h('div', {class: 'card table-scroll'}, h('table', {class: 'table'},
          h('caption', {class: 'sr-only'}, 'Users, newest first'),
          h('thead', {}, h('tr', {}, ['User', 'Email', 'Role', 'Status', 'Joined', ''].map((t) => h('th', {scope: 'col'}, t || h('span', {class: 'sr-only'}, 'Actions'))))),
          h('tbody', {}, answer.items.map((u) => row(u, load))))));
      const pages = Math.ceil(answer.total / PER_PAGE);
      if (pages > 1) list.append(pager(state.page, pages, (n) => { state.page = n; load(); }));
    } catch (err) {
      clear(list).append(errorBox(err, load));
    }
  };
  await load();
}

function kpi(label, value) {
  return h('div', {class: 'kpi card'}, h('span', {}, label), h('strong', {}, value));
}

// #/admin/users/<id>: the account, its order stats, and the changes.
export async function adminUserView(main, {params}) {
  const body = h('section', {'aria-label': 'User'});
  clear(main).append(heading('User'), adminTabs('/admin/users'), body);
  const load = async () => {
    clear(body).append(loading('Loading the user…'));
    try {
      const {user: u, stats: s} = await get(`/api/admin/users/${encodeURIComponent(params.id)}`);
      heading(u.username);
      clear(body).append(
        h('h2', {}, u.username, ' ', statusBadge(u.status)),
        h('p', {}, u.email, ' · ', u.role === 'admin' ? 'Admin' : 'Customer', ' · joined ', dateTime(u.created_at), ' · ', h('code', {title: u.id}, shortId(u.id))),
        h('div', {class: 'kpis'}, kpi('Orders', String(s.total_orders)), kpi('Spent', money(s.total_spent_cents)),
          kpi('Pending', String(s.pending_orders)), kpi('Delivered', String(s.completed_orders)), kpi('Cancelled', String(s.cancelled_orders))),
        h('div', {class: 'actions'}, actions(u, load),
          h('a', {class: 'btn btn-ghost btn-sm', href: `#/admin/audit?stream=user-${u.id}`}, 'Audit trail'),
          h('a', {class: 'btn btn-ghost btn-sm', href: '#/admin/users'}, 'All users')));
    } catch (err) {
      clear(body).append(errorBox(err, load));
    }
  };
  await load();
}
