// Product management: the catalog as a table, with create, edit, stock
// (absolute or a change) and discontinue, each through the catalog API;
// a product's images have their own page (admin_images.js).
import {get, post, patch, put, del, query, idempotencyKey} from './api.js';
import {h, clear, loading, empty, errorBox, heading, formMessage, debounce} from './dom.js';
import {money, parseMoney, moneyInput} from './format.js';
import {adminTabs} from './admin_nav.js';
import {pager} from './shop.js';
import {toast} from './toast.js';
import {imageElement} from './product_images.js';

const PER_PAGE = 20;

function input(id, label, attrs = {}, hint = '') {
  return h('div', {class: 'field'}, h('label', {for: id}, label),
    attrs.multiline ? h('textarea', {id, name: id, rows: 3, ...attrs, multiline: false}) : h('input', {id, name: id, ...attrs}),
    hint ? h('small', {class: 'muted'}, hint) : null);
}

// The known categories as suggestions for the category field (a new name
// makes a new category: the engine creates it with the product).
function categoryOptions() {
  const list = h('datalist', {id: 'p-category-options'});
  get('/api/categories?per_page=100').then((c) => {
    for (const cat of c.items || []) list.append(h('option', {value: cat.name}));
  }).catch(() => {});
  return list;
}

// The create/edit form in a modal dialog (focus is kept inside, Escape closes it).
function productDialog(product, onSaved) {
  const editing = Boolean(product);
  const p = product || {name: '', description: '', price_cents: 0, category: '', sku: '', stock: 0};
  const message = h('div', {class: 'form-message', role: 'alert'});
  const fields = [
    input('p-name', 'Name', {required: true, value: p.name, maxlength: 200}),
    input('p-description', 'Description', {multiline: true, maxlength: 2000}),
    h('div', {class: 'row'},
      input('p-price', 'Price ($)', {required: true, inputmode: 'decimal', value: editing ? moneyInput(p.price_cents) : '', placeholder: '12.50'}),
      input('p-category', 'Category', {required: true, value: p.category, maxlength: 64, list: 'p-category-options', autocomplete: 'off'})),
    categoryOptions(),
    editing ? null : h('div', {class: 'row'},
      input('p-stock', 'Stock', {required: true, type: 'number', min: 0, value: 10, inputmode: 'numeric'}),
      input('p-sku', 'SKU (optional)', {maxlength: 64})),
  ];
  const save = h('button', {class: 'btn btn-primary', type: 'submit'}, editing ? 'Save changes' : 'Create product');
  const cancel = h('button', {class: 'btn btn-ghost', type: 'button'}, 'Cancel');
  const form = h('form', {method: 'dialog', class: 'dialog-form'}, h('h2', {}, editing ? `Edit ${p.name}` : 'New product'), fields, message, h('div', {class: 'actions'}, cancel, save));
  const dialog = h('dialog', {class: 'dialog', 'aria-label': editing ? 'Edit product' : 'New product'}, form);
  form.querySelector('#p-description').value = p.description || '';
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    formMessage(message, null);
    const v = (id) => form.querySelector(`#${id}`).value.trim();
    const price = parseMoney(v('p-price'));
    if (!v('p-name') || !v('p-category')) return formMessage(message, {message: 'A product needs a name and a category.'});
    if (price === null) return formMessage(message, {message: 'The price is an amount in dollars, like 12 or 12.50.'});
    const body = {name: v('p-name'), description: v('p-description'), price_cents: price, category: v('p-category')};
    if (!editing) {
      const stock = Number(v('p-stock'));
      if (!Number.isInteger(stock) || stock < 0) return formMessage(message, {message: 'Stock is a whole number, 0 or more.'});
      body.stock = stock;
      if (v('p-sku')) body.sku = v('p-sku');
    }
    await sendFromDialog({dialog, save, message, onSaved,
      request: () => editing ? patch(`/api/products/${encodeURIComponent(p.id)}`, body) : post('/api/products', body, {headers: {'Idempotency-Key': idempotencyKey()}}),
      done: editing ? `${body.name} saved.` : `${body.name} created.`});
  });
  document.body.append(dialog);
  dialog.showModal();
}

// Sends a dialog's request: on success the dialog closes with a toast and
// `onSaved` gets the answer; on an error the form shows it in plain words
// and the button works again.
async function sendFromDialog({dialog, save, message, request, done, onSaved}) {
  save.disabled = true;
  try {
    const answer = await request();
    dialog.close();
    toast(done, {kind: 'success'});
    onSaved(answer);
  } catch (err) {
    formMessage(message, err);
    save.disabled = false;
  }
}

function stockDialog(product, onSaved) {
  const message = h('div', {class: 'form-message', role: 'alert'});
  const amount = h('input', {id: 's-amount', type: 'number', required: true, inputmode: 'numeric', value: product.stock});
  const mode = h('select', {id: 's-mode'}, h('option', {value: 'stock'}, 'Set the stock to'), h('option', {value: 'delta'}, 'Add (or remove, negative)'));
  mode.addEventListener('change', () => { amount.value = mode.value === 'stock' ? product.stock : 0; });
  const save = h('button', {class: 'btn btn-primary', type: 'submit'}, 'Update stock');
  const cancel = h('button', {class: 'btn btn-ghost', type: 'button'}, 'Cancel');
  const form = h('form', {class: 'dialog-form'}, h('h2', {}, `Stock of ${product.name}`),
    h('p', {class: 'muted'}, `In stock ${product.stock}, reserved ${product.reserved}, available ${product.available}.`),
    h('div', {class: 'row'}, h('div', {class: 'field'}, h('label', {for: 's-mode'}, 'Change'), mode), h('div', {class: 'field'}, h('label', {for: 's-amount'}, 'Units'), amount)),
    message, h('div', {class: 'actions'}, cancel, save));
  const dialog = h('dialog', {class: 'dialog', 'aria-label': 'Update stock'}, form);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const n = Number(amount.value);
    if (!Number.isInteger(n) || (mode.value === 'stock' && n < 0)) return formMessage(message, {message: 'Enter a whole number of units (the stock cannot be negative).'});
    await sendFromDialog({dialog, save, message, onSaved,
      request: () => put(`/api/products/${encodeURIComponent(product.id)}/stock`, {[mode.value]: n}),
      done: `Stock of ${product.name} updated.`});
  });
  document.body.append(dialog);
  dialog.showModal();
}

// The product's first image, small, or a blank square of the same size.
function rowThumb(p) {
  const first = p.images && p.images[0];
  return first ? imageElement(first, {sizes: '40px', alt: '', cls: 'row-thumb'}) : h('span', {class: 'row-thumb row-thumb-none', 'aria-hidden': 'true'});
}

// #/admin/products?q=&page=&edit=<id>
export async function adminProductsView(main, {query: params}) {
  const state = {q: params.get('q') || '', page: Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1)};
  const list = h('section', {'aria-label': 'Products'});
  const search = h('input', {id: 'ap-q', type: 'search', value: state.q, placeholder: 'Name or description'});
  const create = h('button', {class: 'btn btn-primary', type: 'button'}, '+ New product');
  clear(main).append(h('div', {class: 'view-head'}, heading('Products'), create), adminTabs('/admin/products'),
    h('div', {class: 'filters'}, h('div', {class: 'field grow'}, h('label', {for: 'ap-q'}, 'Search the catalog'), search)), list);

  const load = async () => {
    clear(list).append(loading('Loading products…'));
    try {
      const page = await get(`/api/products${query({q: state.q, sort: 'name', page: state.page, per_page: PER_PAGE})}`);
      clear(list);
      if (!page.items.length) {
        list.append(empty(state.q ? 'No product matches.' : 'No products yet. Create the first one.'));
        return;
      }
      list.append(h('div', {class: 'card table-scroll'}, h('table', {class: 'table'},
        h('caption', {class: 'sr-only'}, 'Products'),
        h('thead', {}, h('tr', {}, ['Product', 'Category', 'Price', 'Stock', 'Reserved', 'Available', ''].map((t, i) => h('th', {scope: 'col', class: i >= 2 && i <= 5 ? 'num' : ''}, t || h('span', {class: 'sr-only'}, 'Actions'))))),
        h('tbody', {}, page.items.map((p) => h('tr', {dataset: {productId: p.id}},
          h('th', {scope: 'row'}, h('div', {class: 'product-cell'}, rowThumb(p),
            h('div', {}, h('a', {href: `#/product/${p.id}`}, p.name), h('small', {class: 'muted block'}, p.sku)))),
          h('td', {}, p.category),
          h('td', {class: 'num'}, money(p.price_cents, p.currency)),
          h('td', {class: 'num'}, String(p.stock)),
          h('td', {class: 'num'}, String(p.reserved)),
          h('td', {class: `num ${p.available <= 5 ? 'warn' : ''}`}, String(p.available)),
          h('td', {class: 'actions-cell'},
            h('button', {class: 'btn btn-ghost btn-sm', type: 'button', 'aria-label': `Edit ${p.name}`, onclick: () => productDialog(p, load)}, 'Edit'),
            h('button', {class: 'btn btn-ghost btn-sm', type: 'button', 'aria-label': `Stock of ${p.name}`, onclick: () => stockDialog(p, load)}, 'Stock'),
            h('a', {class: 'btn btn-ghost btn-sm', href: `#/admin/products/${encodeURIComponent(p.id)}/images`, 'aria-label': `Images of ${p.name}`},
              `Images${p.images && p.images.length ? ` (${p.images.length})` : ''}`),
            h('button', {class: 'btn btn-danger btn-sm', type: 'button', 'aria-label': `Discontinue ${p.name}`, onclick: async () => {
              if (!window.confirm(`Discontinue ${p.name}? It stays in past orders but can no longer be ordered.`)) return;
              try {
                await del(`/api/products/${encodeURIComponent(p.id)}`);
                toast(`${p.name} is discontinued.`, {kind: 'success'});
                load();
              } catch (err) {
                toast(err.message, {kind: 'error', title: 'Could not discontinue'});
              }
            }}, 'Discontinue'))))))));
      const pages = Math.ceil(page.total / PER_PAGE);
      if (pages > 1) list.append(pager(state.page, pages, (n) => { state.page = n; load(); }));
    } catch (err) {
      clear(list).append(errorBox(err, load));
    }
  };
  create.addEventListener('click', () => productDialog(null, load));
  search.addEventListener('input', debounce(() => { state.q = search.value.trim(); state.page = 1; load(); }, 350));
  await load();
  // A link from the low-stock list opens that product's stock form.
  const edit = params.get('edit');
  if (edit) {
    get(`/api/products/${encodeURIComponent(edit)}`).then((a) => stockDialog(a.product, load)).catch((err) => toast(err.message, {kind: 'error'}));
  }
}
