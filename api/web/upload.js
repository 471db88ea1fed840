// Sending a file as the raw request body with upload progress. fetch()
// reports no upload progress, so this one call uses XMLHttpRequest; its
// answers and refusals read like every other call's (api.js: one refresh
// on a 401, problem+json turned into an ApiError in plain words).
import {ApiError, plainMessage} from './api.js';
import {accessToken, refreshSession, endSession} from './session.js';

function sendOnce(path, file, contentType, headers, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', contentType);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    const token = accessToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => resolve({status: xhr.status, text: xhr.responseText, position: xhr.getResponseHeader('X-Log-Position')}));
    // A connection cut mid-body (a server refusing a body it will not read
    // also ends up here in some browsers) has no answer to show.
    xhr.addEventListener('error', () => resolve({status: 0, text: ''}));
    xhr.addEventListener('abort', () => resolve({status: 0, text: ''}));
    xhr.send(file);
  });
}

function parse(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// upload('/api/products/<id>/images?alt=...', file, {contentType, headers,
// onProgress(fraction)}) → {body: the parsed answer, position: its
// X-Log-Position (for a read that must see it: X-Min-Position)}; throws an
// ApiError.
export async function upload(path, file, {contentType = file.type || 'application/octet-stream', headers = {}, onProgress = () => {}} = {}) {
  let res = await sendOnce(path, file, contentType, headers, onProgress);
  if (res.status === 401 && accessToken()) {
    if (await refreshSession()) res = await sendOnce(path, file, contentType, headers, onProgress);
    else endSession('Your session has ended. Please log in again.');
  }
  if (res.status === 0) {
    throw new ApiError(0, null, 'The upload did not reach the shop (the connection was cut). Check the file’s size and your connection, then try again.');
  }
  const data = parse(res.text);
  if (res.status < 200 || res.status >= 300) throw new ApiError(res.status, data, plainMessage(res.status, data));
  return {body: data, position: res.position};
}
