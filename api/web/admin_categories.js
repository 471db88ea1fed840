// The catalog's categories (#/admin/categories): each with a slug (its
// key, fixed once made), a name and a description. A product's category
// named for the first time makes one by itself; here an admin describes,
// renames, adds and deletes them. The engine refuses to delete a category
// an active product is in (409 category_in_use), shown as it says.
import {get, post, patch, del, query, idempotencyKey} from './api.js';
import {h, clear, loading, empty, errorBox, heading, formMessage} from './dom.js';
import {adminTabs} from './admin_nav.js';
import {pager} from './shop.js';
import {toast} from './toast.js';

const PER_PAGE = 50;

// The engine's rule for a slug made from a name (docs/design/catalog.md):
// ASCII letters lower-cased, digits kept, every other run one '-'. Only a
// suggestion: the admin may type another, and the engine checks it.
export function slugify(name) {
  return String(name).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '');
}

function categoryDialog(category, onSaved) {
  const editing = Boolean(category);
  const c = category || {slug: '', name: '', description: ''};
  const message = h('div', {class: 'form-message', role: 'alert'});
  const name = h('input', {id: 'c-name', required: true, maxlength: 64, value: c.name, autocomplete: 'off'});
  const slug = h('input', {id: 'c-slug', required: true, maxlength: 64, value: c.slug, pattern: '[a-z0-9]([a-z0-9-]*[a-z0-9])?', autocomplete: 'off', readonly: editing});
  const description = h('textarea', {id: 'c-description', rows: 3, maxlength: 2000});
  description.value = c.description || '';
  // The slug follows the name until the admin types one of their own.
  let slugTouched = editing;
  slug.addEventListener('input', () => { slugTouched = true; });
  name.addEventListener('input', () => { if (!slugTouched) slug.value = slugify(name.value); });
  const save = h('button', {class: 'btn btn-primary', type: 'submit'}, editing ? 'Save changes' : 'Create category');
  const cancel = h('button', {class: 'btn btn-ghost', type: 'button'}, 'Cancel');
  const form = h('form', {class: 'dialog-form'}, h('h2', {}, editing ? `Edit ${c.name}` : 'New category'),
    h('div', {class: 'field'}, h('label', {for: 'c-name'}, 'Name'), name),
    h('div', {class: 'field'}, h('label', {for: 'c-slug'}, 'Slug'), slug,
      h('small', {class: 'muted'}, editing ? 'The slug names the category in links and cannot change.' : 'Lower-case letters, digits and dashes; it cannot change later.')),
    h('div', {class: 'field'}, h('label', {for: 'c-description'}, 'Description (optional)'), description),
    message, h('div', {class: 'actions'}, cancel, save));
  const dialog = h('dialog', {class: 'dialog', 'aria-label': editing ? 'Edit category' : 'New category'}, form);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    formMessage(message, null);
    const body = {name: name.value.trim(), description: description.value.trim()};
    if (!body.name) return formMessage(message, {message: 'A category needs a name.'});
    save.disabled = true;
    try {
      if (editing) {
        await patch(`/api/categories/${encodeURIComponent(c.slug)}`, body);
      } else {
        body.slug = slug.value.trim();
        await post('/api/categories', body, {headers: {'Idempotency-Key': idempotencyKey()}});
      }
      dialog.close();
      toast(editing ? `${body.name} saved.` : `${body.name} created.`, {kind: 'success'});
      onSaved();
    } catch (err) {
      formMessage(message, err);
      save.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
}

// #/admin/categories?page=
export async function adminCategoriesView(main, {query: params}) {
  const state = {page: Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1)};
  const list = h('section', {'aria-label': 'Categories'});
  const create = h('button', {class: 'btn btn-primary', type: 'button'}, '+ New category');
  clear(main).append(h('div', {class: 'view-head'}, heading('Categories'), create), adminTabs('/admin/categories'), list);

  const load = async () => {
    history.replaceState(null, '', `#/admin/categories${query({page: state.page > 1 ? state.page : ''})}`);
    clear(list).append(loading('Loading categories…'));
    try {
      const answer = await get(`/api/categories${query({page: state.page, per_page: PER_PAGE})}`);
      clear(list);
      if (!answer.items.length) {
        list.append(empty('No categories yet. A product’s category makes one, or create one here.'));
        return;
      }
      list.append(h('div', {class: 'card table-scroll'}, h('table', {class: 'table'},
        h('caption', {class: 'sr-only'}, 'Categories, by name'),
        h('thead', {}, h('tr', {}, ['Category', 'Slug', 'Description', 'Products', ''].map((t, i) => h('th', {scope: 'col', class: i === 3 ? 'num' : ''}, t || h('span', {class: 'sr-only'}, 'Actions'))))),
        h('tbody', {}, answer.items.map((c) => h('tr', {dataset: {slug: c.slug}},
          h('th', {scope: 'row'}, h('a', {href: `#/?category=${encodeURIComponent(c.name)}`}, c.name)),
          h('td', {}, h('code', {}, c.slug)),
          h('td', {class: 'muted'}, c.description || '—'),
          h('td', {class: 'num'}, String(c.product_count ?? 0)),
          h('td', {class: 'actions-cell'},
            h('button', {class: 'btn btn-ghost btn-sm', type: 'button', 'aria-label': `Edit ${c.name}`, onclick: () => categoryDialog(c, load)}, 'Edit'),
            h('button', {class: 'btn btn-danger btn-sm', type: 'button', 'aria-label': `Delete ${c.name}`, onclick: async () => {
              if (!window.confirm(`Delete the category ${c.name}?`)) return;
              try {
                await del(`/api/categories/${encodeURIComponent(c.slug)}`);
                toast(`${c.name} deleted.`, {kind: 'success'});
                load();
              } catch (err) {
                toast(err.message, {kind: 'error', title: 'Could not delete'});
              }
            }}, 'Delete'))))))));
      const pages = Math.ceil((answer.total ?? answer.items.length) / PER_PAGE);
      if (pages > 1) list.append(pager(state.page, pages, (n) => { state.page = n; load(); }));
    } catch (err) {
      clear(list).append(errorBox(err, load));
    }
  };
  create.addEventListener('click', () => categoryDialog(null, load));
  await load();
}
