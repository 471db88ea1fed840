// A product's pictures on the storefront: the uploaded images
// (`product.images[]`, each with a 200 px thumb and an 800 px medium size)
// as responsive <img> elements, or the drawn tile (art.js) for a product
// without any. Width and height are always set, so the page does not jump
// while an image loads.
import {h} from './dom.js';
import {productArt} from './art.js';

// The widths the engine makes (never larger than the original).
const THUMB_WIDTH = 200;
const MEDIUM_WIDTH = 800;

export function hasImages(product) {
  return Array.isArray(product.images) && product.images.length > 0;
}

// srcset and src for one image: the browser picks the smallest size that
// fills the slot (`sizes`) at the screen's pixel density.
function sources(image) {
  const urls = image.urls || {};
  const thumbWidth = Math.min(THUMB_WIDTH, image.width || THUMB_WIDTH);
  const mediumWidth = Math.min(MEDIUM_WIDTH, image.width || MEDIUM_WIDTH);
  const set = [];
  if (urls.thumb) set.push(`${urls.thumb} ${thumbWidth}w`);
  if (urls.medium && mediumWidth > thumbWidth) set.push(`${urls.medium} ${mediumWidth}w`);
  return {src: urls.medium || urls.thumb || urls.original, srcset: set.length ? set.join(', ') : null};
}

// An <img> of `image`; `sizes` says how wide its slot is.
export function imageElement(image, {sizes, alt = image.alt || '', cls = 'product-img', eager = false} = {}) {
  const {src, srcset} = sources(image);
  return h('img', {
    class: cls, src, srcset, sizes: srcset ? sizes : null, alt,
    width: image.width || null, height: image.height || null,
    loading: eager ? 'eager' : 'lazy', decoding: 'async', dataset: {imageId: image.id},
  });
}

// The picture on a product card: its first image, or the drawn tile.
export function productCardPicture(product) {
  if (!hasImages(product)) return productArt(product);
  // The card's link names the product; the alt text says what the image shows.
  return imageElement(product.images[0], {sizes: '(max-width: 560px) 50vw, 280px', cls: 'product-img product-img-tile'});
}

// The product page's gallery: the chosen image large, and when there are
// several, a row of thumbnails (buttons) that choose it.
export function productGallery(product) {
  if (!hasImages(product)) return productArt(product, {size: 'large'});
  const images = product.images;
  const large = (image) => imageElement(image, {sizes: '(min-width: 760px) 560px, 100vw', cls: 'product-img product-img-large',
    alt: image.alt || product.name, eager: true});
  let shown = large(images[0]);
  const stage = h('div', {class: 'gallery-stage'}, shown);
  if (images.length === 1) return h('div', {class: 'gallery'}, stage);
  const buttons = images.map((image, i) => h('button', {
    class: 'gallery-thumb', type: 'button', 'aria-pressed': i === 0 ? 'true' : 'false',
    'aria-label': `Show image ${i + 1} of ${images.length}${image.alt ? `: ${image.alt}` : ''}`,
    onclick: () => {
      const next = large(image);
      shown.replaceWith(next);
      shown = next;
      buttons.forEach((b, j) => b.setAttribute('aria-pressed', j === i ? 'true' : 'false'));
    },
  }, imageElement(image, {sizes: '80px', alt: '', cls: 'gallery-thumb-img'})));
  return h('div', {class: 'gallery'}, stage, h('div', {class: 'gallery-thumbs', role: 'group', 'aria-label': 'Images'}, buttons));
}
