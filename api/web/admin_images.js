// One product's images in the dashboard (#/admin/products/<id>/images):
// files dropped on the page or chosen with the picker are previewed first,
// then each is uploaded with a progress bar (its alt text sent along); the
// product's images can then be described (alt text), moved and deleted.
// The engine checks every file (type, size, a real decodable image); its
// refusal is shown beside the file in plain words.
import {get, patch, del, idempotencyKey, query} from './api.js';
import {upload} from './upload.js';
import {h, clear, loading, empty, errorBox, heading, formMessage} from './dom.js';
import {adminTabs} from './admin_nav.js';
import {imageElement} from './product_images.js';
import {toast} from './toast.js';

// What the engine accepts (it checks the bytes too): a file of another
// type is refused here without sending it.
const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp'];

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

// A data: URL of the file for its preview (the pages' CSP allows data:
// images, not blob: ones).
function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener('load', () => resolve(reader.result));
    reader.addEventListener('error', () => reject(reader.error));
    reader.readAsDataURL(file);
  });
}

let itemCount = 0;

// One chosen file: its preview, alt text, progress and the engine's answer.
// `onUploaded(position)` runs after the engine has recorded it, with the
// log position the product's read must wait for (a 202 answers before the
// catalog has applied it).
function pendingItem(productId, file, onUploaded) {
  const n = ++itemCount;
  const preview = h('img', {class: 'upload-preview', alt: `Preview of ${file.name}`, width: 96, height: 96});
  const noPreview = h('span', {class: 'upload-preview upload-no-preview', hidden: true}, 'No preview');
  preview.addEventListener('error', () => { preview.hidden = true; noPreview.hidden = false; });
  readAsDataUrl(file).then((url) => { preview.src = url; }).catch(() => { preview.hidden = true; noPreview.hidden = false; });
  const alt = h('input', {id: `up-alt-${n}`, maxlength: 500, autocomplete: 'off', placeholder: 'What the image shows'});
  const bar = h('progress', {class: 'upload-progress', max: 100, value: 0, 'aria-label': `Upload of ${file.name}`, hidden: true});
  const status = h('span', {class: 'upload-status muted', role: 'status'});
  const message = h('div', {class: 'form-message', role: 'alert'});
  const send = h('button', {class: 'btn btn-primary btn-sm', type: 'button'}, 'Upload');
  const remove = h('button', {class: 'btn btn-ghost btn-sm', type: 'button', 'aria-label': `Remove ${file.name} from the list`}, 'Remove');
  const item = h('li', {class: 'upload-item card', dataset: {state: 'ready', file: file.name}},
    preview, noPreview,
    h('div', {class: 'upload-body'},
      h('p', {class: 'upload-name'}, h('strong', {}, file.name), ' ', h('span', {class: 'muted'}, `${file.type || 'unknown type'}, ${size(file.size)}`)),
      h('div', {class: 'field'}, h('label', {for: `up-alt-${n}`}, 'Alt text (optional)'), alt),
      h('div', {class: 'upload-meter'}, bar, status),
      message,
      h('div', {class: 'form-actions'}, send, remove)));
  remove.addEventListener('click', () => item.remove());

  if (!ACCEPTED.includes(file.type)) {
    item.dataset.state = 'refused';
    send.disabled = true;
    formMessage(message, {message: 'Only JPEG, PNG and WebP images can be uploaded.'});
    return item;
  }
  // The same upload retried (after a 503, say) keeps its key, so the engine
  // records it once; a changed alt text is another request and gets a new one.
  let key = null;
  let keyFor = null;
  send.addEventListener('click', async () => {
    formMessage(message, null);
    const text = alt.value.trim();
    if (key === null || keyFor !== text) {
      key = idempotencyKey();
      keyFor = text;
    }
    send.disabled = true;
    remove.disabled = true;
    alt.disabled = true;
    item.dataset.state = 'uploading';
    bar.hidden = false;
    bar.value = 0;
    status.textContent = 'Uploading… 0%';
    try {
      const sent = await upload(`/api/products/${encodeURIComponent(productId)}/images${query({alt: text})}`, file, {
        headers: {'Idempotency-Key': key},
        onProgress: (f) => {
          bar.value = Math.round(f * 100);
          status.textContent = f < 1 ? `Uploading… ${Math.round(f * 100)}%` : 'Processing…';
        },
      });
      bar.value = 100;
      status.textContent = 'Uploaded';
      item.dataset.state = 'done';
      send.remove();
      remove.textContent = 'Dismiss';
      remove.disabled = false;
      onUploaded(sent.position);
    } catch (err) {
      item.dataset.state = 'failed';
      bar.hidden = true;
      status.textContent = '';
      formMessage(message, err);
      send.textContent = 'Try again';
      send.disabled = false;
      remove.disabled = false;
      alt.disabled = false;
    }
  });
  return item;
}

// The drop zone and the picker; `onFiles` gets the chosen files.
function dropZone(onFiles) {
  const picker = h('input', {id: 'img-files', class: 'sr-only', type: 'file', accept: ACCEPTED.join(','), multiple: true});
  picker.addEventListener('change', () => {
    onFiles([...picker.files]);
    picker.value = '';  // the same file may be chosen again
  });
  const zone = h('div', {class: 'dropzone', dataset: {over: 'false'}},
    h('p', {}, 'Drop JPEG, PNG or WebP images here, or'),
    h('label', {for: 'img-files', class: 'btn'}, 'Choose images…'), picker,
    h('p', {class: 'muted small'}, 'Each is previewed before it is uploaded.'));
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    zone.dataset.over = 'true';
  });
  zone.addEventListener('dragleave', () => { zone.dataset.over = 'false'; });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.dataset.over = 'false';
    onFiles([...e.dataTransfer.files]);
  });
  return zone;
}

// One stored image: its thumb, alt text form, moves and delete. Every
// change answers with the product, which `show` renders again.
function storedImage(productId, image, index, total, show) {
  const path = `/api/products/${encodeURIComponent(productId)}/images/${encodeURIComponent(image.id)}`;
  const label = `image ${index + 1}`;
  const alt = h('input', {id: `img-alt-${image.id}`, value: image.alt || '', maxlength: 500, autocomplete: 'off'});
  const message = h('div', {class: 'form-message', role: 'alert'});
  const run = async (button, request, done) => {
    button.disabled = true;
    formMessage(message, null);
    try {
      const answer = await request();
      if (done) toast(done, {kind: 'success'});
      await show(answer && answer.product);
    } catch (err) {
      formMessage(message, err);
      button.disabled = false;
    }
  };
  const save = h('button', {class: 'btn btn-sm', type: 'submit'}, 'Save alt text');
  const form = h('form', {class: 'image-alt', onsubmit: (e) => {
    e.preventDefault();
    run(save, () => patch(path, {alt: alt.value.trim()}), 'Alt text saved.');
  }}, h('div', {class: 'field grow'}, h('label', {for: `img-alt-${image.id}`}, `Alt text of ${label}`), alt), save);
  const move = (to, text, arrow) => {
    const b = h('button', {class: 'btn btn-ghost btn-sm', type: 'button', disabled: to < 0 || to >= total, 'aria-label': `Move ${label} ${text}`}, arrow);
    b.addEventListener('click', () => run(b, () => patch(path, {position: to})));
    return b;
  };
  const remove = h('button', {class: 'btn btn-danger btn-sm', type: 'button', 'aria-label': `Delete ${label}`}, 'Delete');
  remove.addEventListener('click', () => {
    if (!window.confirm(`Delete ${label}${image.alt ? ` (${image.alt})` : ''}? The storefront stops showing it.`)) return;
    run(remove, () => del(path), 'Image deleted.');
  });
  return h('li', {class: 'image-row card', dataset: {imageId: image.id}},
    imageElement(image, {sizes: '120px', cls: 'image-row-img'}),
    h('div', {class: 'image-row-body'},
      h('p', {class: 'muted small'}, `${index + 1} of ${total}${index === 0 ? ' (shown first)' : ''} · ${image.width} × ${image.height} px · `,
        h('a', {href: image.urls.original, target: '_blank', rel: 'noopener'}, 'original')),
      form, message,
      h('div', {class: 'form-actions'}, move(index - 1, 'earlier', '← Earlier'), move(index + 1, 'later', 'Later →'), remove)));
}

// #/admin/products/<id>/images
export async function adminProductImagesView(main, {params}) {
  const id = params.id;
  const title = h('div', {class: 'view-head'}, heading('Product images'), h('a', {class: 'btn btn-ghost', href: '#/admin/products'}, '← All products'));
  const stored = h('section', {class: 'image-section', 'aria-label': 'Images of the product'});
  const pending = h('ul', {class: 'upload-list', 'aria-label': 'Files to upload'});
  clear(main).append(title, adminTabs('/admin/products'), stored);

  let product = null;
  // `answer`: the product as a change answered it; else it is read (after
  // log position `after`, when given: read-your-writes).
  const show = async (answer, after = null) => {
    product = answer || (await get(`/api/products/${encodeURIComponent(id)}`, after ? {headers: {'X-Min-Position': after}} : undefined)).product;
    document.title = `Images of ${product.name} · Orderly`;
    title.querySelector('.view-title').textContent = `Images of ${product.name}`;
    const images = product.images || [];
    clear(stored).append(
      h('p', {class: 'muted'}, h('a', {href: `#/product/${encodeURIComponent(product.id)}`}, 'See it in the shop'), ` · ${images.length} ${images.length === 1 ? 'image' : 'images'}; the first is the one on the product’s card.`),
      images.length
        ? h('ol', {class: 'image-list'}, images.map((img, i) => storedImage(product.id, img, i, images.length, show)))
        : empty('No images yet: the shop draws a tile for this product. Upload the first one below.'));
  };
  stored.append(loading('Loading the product…'));
  try {
    await show(null);
  } catch (err) {
    clear(stored).append(errorBox(err, () => adminProductImagesView(main, {params})));
    return;
  }
  const reload = (after) => show(null, after).catch((err) => toast(err.message, {kind: 'error', title: 'Could not reload the images'}));
  main.append(
    h('section', {class: 'upload-section', 'aria-labelledby': 'upload-title'},
      h('h2', {id: 'upload-title'}, 'Add images'),
      dropZone((files) => { for (const f of files) pending.append(pendingItem(id, f, reload)); }),
      pending));
}
