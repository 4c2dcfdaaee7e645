// The JSON API, as the page calls it: same-origin fetches that carry the
// HttpOnly session cookie (the page never holds the token), RFC 9457
// problems turned into ApiError, and "the API cannot be reached" told apart
// from "the API said no".

export class ApiError extends Error {
  constructor(status, problem, { unreachable = false, lang = null } = {}) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    /** True when there was no usable answer: network down, gateway errors, not JSON. */
    this.unreachable = unreachable;
    /** The language of `problem.detail`, from Content-Language. */
    this.lang = lang;
  }

  /** The request field the problem is about, when it names one. */
  get field() {
    return typeof this.problem?.field === 'string' ? this.problem.field : null;
  }
}

const listeners = new Set();
/** `fn(reachable)` is called after every request: the page's "cannot reach us" banner. */
export function onReachability(fn) {
  listeners.add(fn);
}
function report(reachable) {
  for (const fn of listeners) fn(reachable);
}

async function call(method, path, { body, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json, application/problem+json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    report(false);
    throw new ApiError(0, null, { unreachable: true });
  }
  const lang = response.headers.get('content-language');
  const type = response.headers.get('content-type') || '';
  let data = null;
  if (type.includes('json')) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  const gateway = [502, 503, 504].includes(response.status);
  const reachable = !gateway && (response.status === 204 || data !== null);
  report(reachable);
  if (response.status === 204) return null;
  if (!response.ok || data === null) {
    const problem = data && typeof data === 'object' ? data : null;
    throw new ApiError(response.status, problem, { unreachable: !reachable, lang });
  }
  return data;
}

const enc = encodeURIComponent;

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A fresh Idempotency-Key: 128 random bits (works outside secure contexts too). */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const Api = {
  session: () => call('GET', '/api/session'),
  signIn: (email, password) => call('POST', '/api/session', { body: { email, password } }),
  signOut: () => call('DELETE', '/api/session'),

  orders: () => call('GET', '/api/orders?limit=100'),
  recentItems: () => call('GET', '/api/items/recent'),

  ask: (question) => call('POST', '/api/answers', { body: question }),
  feedback: (conversationId, helpful) =>
    call('POST', `/api/answers/${enc(conversationId)}/feedback`, { body: { helpful } }),

  contactOptions: (params) => call('GET', `/api/contact-options${query(params)}`),
  presence: () => call('GET', '/api/agents/presence'),
  setPresence: (presence) => call('PUT', '/api/agents/presence', { body: presence }),

  openCase: (request, idempotencyKey) =>
    call('POST', '/api/cases', { body: request, headers: { 'idempotency-key': idempotencyKey } }),
  cases: (before) => call('GET', before == null ? '/api/cases' : `/api/cases?before=${enc(before)}`),
  getCase: (id) => call('GET', `/api/cases/${enc(id)}`),
  messages: (id, after) => call('GET', `/api/cases/${enc(id)}/messages?after=${after}`),
  sendMessage: (id, text) => call('POST', `/api/cases/${enc(id)}/messages`, { body: { body: text } }),
  requestCallback: (id, callback) => call('POST', `/api/cases/${enc(id)}/callback`, { body: callback }),
  resolve: (id, resolution) => call('POST', `/api/cases/${enc(id)}/resolution`, { body: resolution }),
  queue: (filters) => call('GET', `/api/agent/queue${query(filters)}`),
  answersReport: () => call('GET', '/api/answers/report?days=30'),
};
