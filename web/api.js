// Every call to the server goes through here. JSON in, JSON out; a failure
// is an ApiError carrying the status and the server's {"error":{code,message}}.
// Requests are same-origin fetches, so the browser sends our own Origin and
// the session cookie.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const NETWORK_MESSAGE = 'Cannot reach tern right now. Check your connection and try again.';

let onUnauthorized = () => {};
// Called with no arguments when a request that needed a session got 401:
// the session expired or was ended elsewhere.
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function errorFrom(status, data, path) {
  const error = data && typeof data === 'object' ? data.error : null;
  if (status === 401 && path !== '/api/me' && !path.startsWith('/auth/')) onUnauthorized();
  return new ApiError(status, error?.code ?? `http_${status}`,
    error?.message ?? `The server answered ${status}.`);
}

async function request(method, path, body, signal) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', NETWORK_MESSAGE);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw errorFrom(response.status, data, path);
  return data;
}

export const api = {
  get: (path, { signal } = {}) => request('GET', path, undefined, signal),
  post: (path, body) => request('POST', path, body),
  del: (path) => request('DELETE', path),
};

// A query string from an object, skipping null/undefined values.
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

// POST /api/images with the file in the multipart field `img`. XMLHttpRequest
// rather than fetch because only it reports upload progress.
// onProgress(fraction 0..1); resolves to {url, thumbUrl}; signal aborts.
export function uploadImage(file, { onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/images');
    xhr.responseType = 'json';
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      if (xhr.status === 201) resolve(xhr.response);
      else reject(errorFrom(xhr.status, xhr.response, '/api/images'));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network', NETWORK_MESSAGE)));
    xhr.addEventListener('abort', () => reject(new DOMException('upload cancelled', 'AbortError')));
    signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    form.append('img', file);
    xhr.send(form);
  });
}
