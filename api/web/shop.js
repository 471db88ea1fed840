// The storefront: the product grid (search, category, price range, sort,
// pages) and a product's own page with its images and a quantity to add to
// the cart.
import {get, post, query} from './api.js';
import {productCardPicture, productGallery, hasImages} from './product_images.js';
import {addToCart} from './cart_state.js';
import {h, clear, loading, empty, errorBox, heading, debounce, formMessage} from './dom.js';
import {money, parseMoney, plural} from './format.js';
import {go, link} from './router.js';
import {session} from './session.js';
import {toast} from './toast.js';

const PER_PAGE = 12;
const SORTS = [
  ['', 'Featured'], ['price', 'Price: low to high'], ['-price', 'Price: high to low'],
  ['name', 'Name: A to Z'], ['-created_at', 'Newest first'],
];

function availability(p) {
  if (p.status === 'discontinued') return h('span', {class: 'stock stock-out'}, 'No longer sold');
  if (p.available <= 0) return h('span', {class: 'stock stock-out'}, 'Out of stock');
  if (p.available <= 5) return h('span', {class: 'stock stock-low'}, `Only ${p.available} left`);
  return h('span', {class: 'stock stock-ok'}, 'In stock');
}

function productCard(p) {
  const href = link(`/product/${encodeURIComponent(p.id)}`);
  return h('li', {class: 'card product-card'},
    h('a', {href, class: 'product-link', 'aria-label': `${p.name}, ${money(p.price_cents, p.currency)}`},
      productCardPicture(p),
      h('div', {class: 'product-info'},
        h('span', {class: 'eyebrow'}, p.category),
        h('h3', {class: 'product-name'}, p.name),
        h('p', {class: 'product-desc'}, p.description),
        h('div', {class: 'product-foot'}, h('span', {class: 'price'}, money(p.price_cents, p.currency)), availability(p)))));
}

// #/?q=&category=&min=&max=&sort=&page=
export async function catalogView(main, {query: params}) {
  const state = {
    q: params.get('q') || '', category: params.get('category') || '', min: params.get('min') || '',
    max: params.get('max') || '', sort: params.get('sort') || '', page: Math.max(1, Number.parseInt(params.get('page') || '1', 10) || 1),
  };
  const results = h('section', {class: 'results', 'aria-label': 'Products', 'aria-busy': 'false'});
  const count = h('p', {class: 'muted', role: 'status'});
  const problems = h('div', {class: 'form-message', role: 'alert'});

  const search = h('input', {id: 'f-q', type: 'search', name: 'q', value: state.q, placeholder: 'Search products', autocomplete: 'off'});
  const category = h('select', {id: 'f-category', name: 'category'}, h('option', {value: ''}, 'All categories'));
  const min = h('input', {id: 'f-min', name: 'min', inputmode: 'decimal', value: state.min, placeholder: '0.00', size: 6});
  const max = h('input', {id: 'f-max', name: 'max', inputmode: 'decimal', value: state.max, placeholder: 'any', size: 6});
  const sort = h('select', {id: 'f-sort', name: 'sort'}, SORTS.map(([v, t]) => h('option', {value: v, selected: v === state.sort}, t)));

  const form = h('form', {class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); changed(); }},
    h('div', {class: 'field grow'}, h('label', {for: 'f-q'}, 'Search'), search),
    h('div', {class: 'field'}, h('label', {for: 'f-category'}, 'Category'), category),
    h('div', {class: 'field price-field'}, h('label', {for: 'f-min'}, 'Min price ($)'), min),
    h('div', {class: 'field price-field'}, h('label', {for: 'f-max'}, 'Max price ($)'), max),
    h('div', {class: 'field'}, h('label', {for: 'f-sort'}, 'Sort by'), sort));

  clear(main).append(
    h('section', {class: 'hero'}, heading('Find something good'), h('p', {class: 'lead'}, 'Everyday things, made well. Prices include tax; shipping is on us.')),
    form, problems, count, results);

  // Categories fill in when they arrive; the grid does not wait for them.
  // The categories list pages (20 by default): the filter offers the first 100.
  get('/api/categories?per_page=100').then((c) => {
    for (const cat of c.items || []) category.append(h('option', {value: cat.name, selected: cat.name === state.category}, `${cat.name} (${cat.product_count})`));
  }).catch(() => {});

  const load = async () => {
    formMessage(problems, null);
    const minCents = state.min === '' ? '' : parseMoney(state.min);
    const maxCents = state.max === '' ? '' : parseMoney(state.max);
    if (minCents === null || maxCents === null) {
      formMessage(problems, {message: 'Prices are amounts in dollars, like 12 or 12.50.'});
      return;
    }
    // The fragment mirrors the filters, so a reload or a shared link shows the same page.
    const qs = query({q: state.q, category: state.category, min: state.min, max: state.max, sort: state.sort, page: state.page > 1 ? state.page : ''});
    history.replaceState(null, '', `#/${qs}`);
    results.setAttribute('aria-busy', 'true');
    clear(results).append(loading('Loading products…'));
    try {
      const page = await get(`/api/products${query({q: state.q, category: state.category, min_price_cents: minCents, max_price_cents: maxCents, sort: state.sort, page: state.page, per_page: PER_PAGE})}`);
      clear(results);
      const pages = Math.max(1, Math.ceil(page.total / PER_PAGE));
      count.textContent = page.total ? `${plural(page.total, 'product', 'products')}${state.q ? ` for “${state.q}”` : ''}` : '';
      if (!page.items.length) {
        results.append(empty(state.q || state.category || state.min || state.max ? 'No products match these filters.' : 'The shop has no products yet.',
          h('button', {class: 'btn', type: 'button', onclick: () => go('/')}, 'Clear filters')));
        return;
      }
      results.append(h('ul', {class: 'grid'}, page.items.map(productCard)));
      if (pages > 1) results.append(pager(state.page, pages, (p) => { state.page = p; load(); main.querySelector('.view-title').focus(); }));
    } catch (err) {
      clear(results).append(errorBox(err, load));
    } finally {
      results.setAttribute('aria-busy', 'false');
    }
  };
  const changed = () => {
    Object.assign(state, {q: search.value.trim(), category: category.value, min: min.value.trim(), max: max.value.trim(), sort: sort.value, page: 1});
    load();
  };
  search.addEventListener('input', debounce(changed, 350));
  for (const el of [category, sort]) el.addEventListener('change', changed);
  for (const el of [min, max]) el.addEventListener('change', changed);
  await load();
}

export function pager(page, pages, onPage) {
  return h('nav', {class: 'pager', 'aria-label': 'Pages'},
    h('button', {class: 'btn btn-ghost', type: 'button', disabled: page <= 1, onclick: () => onPage(page - 1)}, '← Previous'),
    h('span', {class: 'muted'}, `Page ${page} of ${pages}`),
    h('button', {class: 'btn btn-ghost', type: 'button', disabled: page >= pages, onclick: () => onPage(page + 1)}, 'Next →'));
}

// #/product/<id>
export async function productView(main, {params}) {
  clear(main).append(loading('Loading the product…'));
  let p;
  try {
    p = (await get(`/api/products/${encodeURIComponent(params.id)}`)).product;
  } catch (err) {
    clear(main).append(h('p', {}, h('a', {href: '#/'}, '← Back to the shop')), errorBox(err, () => productView(main, {params})));
    return;
  }
  // Counted for "most viewed"; a failure here is not the shopper's problem.
  post('/api/analytics/events', {type: 'product_view', product_id: p.id}, {auth: false}).catch(() => {});

  // No max: the cart may ask for more than is left; checkout says what is short.
  const qty = h('input', {id: 'qty', type: 'number', min: 1, value: 1, inputmode: 'numeric', required: true});
  const message = h('div', {class: 'form-message', role: 'alert'});
  const add = h('button', {class: 'btn btn-primary btn-lg', type: 'submit', disabled: p.available <= 0 || p.status !== 'active'}, 'Add to cart');
  const form = h('form', {class: 'buy', onsubmit: async (e) => {
    e.preventDefault();
    formMessage(message, null);
    const n = Number(qty.value);
    if (!Number.isInteger(n) || n < 1) return formMessage(message, {message: 'Choose a quantity of at least 1.'});
    if (!session()) return go('/login', {next: `/product/${p.id}`});
    add.disabled = true;
    try {
      await addToCart(p.id, n);
      toast(`${n} × ${p.name} added to your cart.`, {kind: 'success'});
    } catch (err) {
      formMessage(message, err);
    } finally {
      add.disabled = p.available <= 0;
    }
  }},
  h('div', {class: 'field qty-field'}, h('label', {for: 'qty'}, 'Quantity'), qty), add);

  clear(main).append(
    h('p', {class: 'crumbs'}, h('a', {href: '#/'}, 'Shop'), ' / ', h('a', {href: `#/?category=${encodeURIComponent(p.category)}`}, p.category)),
    h('article', {class: 'product-page'},
      h('div', {class: `product-media card${hasImages(p) ? ' has-images' : ''}`}, productGallery(p)),
      h('div', {class: 'product-detail'},
        h('span', {class: 'eyebrow'}, p.category),
        heading(p.name),
        h('p', {class: 'price price-lg'}, money(p.price_cents, p.currency)),
        availability(p),
        h('p', {class: 'lead'}, p.description),
        form, message,
        h('dl', {class: 'facts'}, h('dt', {}, 'SKU'), h('dd', {}, p.sku || '—'), h('dt', {}, 'Available'), h('dd', {}, String(p.available))))));
  main.querySelector('.view-title').focus();
}
