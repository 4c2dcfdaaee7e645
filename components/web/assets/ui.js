// What every view shares: who is signed in, moving between pages, and
// showing errors where they belong (next to the field the API named, else
// at the top of the form).

import { h, showFieldError, focus } from './dom.js';
import { t, label } from './i18n.js';

/** The signed-in user (`{id, name, email, roles, lang}`) or null. */
export const session = { user: null };

export function hasRole(role) {
  return Boolean(session.user?.roles?.includes(role));
}

let router = { navigate: () => {}, signedIn: () => {}, signedOut: () => {} };
/** app.js plugs the router in; views only call navigate(). */
export function configure(handlers) {
  router = handlers;
}

/** After a successful sign-in. */
export function signedIn(user) {
  router.signedIn(user);
}

export function navigate(path) {
  router.navigate(path);
}

/** An in-page link: the router handles the click, a new tab still works. */
export function link(href, text, attrs = {}) {
  return h(
    'a',
    {
      ...attrs,
      href,
      onclick: (event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      },
    },
    text,
  );
}

/** Sets the tab's title for the screen. */
export function title(text) {
  document.title = text ? `${text} · ${t('app.title')}` : t('app.title');
}

/** The view's main heading, focused after navigation so screen readers announce it. */
export function heading(text) {
  return h('h1', { tabindex: '-1', id: 'view-title' }, text);
}

export function loading() {
  return h('p', { class: 'muted', role: 'status' }, t('common.loading'));
}

/** A notice for a view that could not load its data. */
export function loadFailed(err, retry) {
  return h(
    'div',
    { class: 'notice notice-error', role: 'alert' },
    h('p', {}, describe(err)),
    retry ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: retry }, t('common.retry'))) : null,
  );
}

/** What went wrong, in the page's language, with the API's detail when it has one. */
export function describe(err) {
  if (err?.unreachable) return t('error.unreachable');
  if (err?.status === 401) return t('error.session');
  if (err?.status === 404) return t('error.not_found');
  if (err?.status === 429) return t('error.too_many');
  const detail = err?.problem?.detail;
  return detail ? t('error.with_detail', { detail }) : t('error.generic');
}

/**
 * Shows an API error: next to the control the problem's `field` names
 * (`controls` maps API field names to controls), else in the form's error slot.
 */
export function showError(err, form, controls = {}) {
  if (err?.status === 401 && session.user) {
    router.signedOut();
  }
  const control = err?.field ? controls[err.field] : null;
  if (control && !err.unreachable) {
    showFieldError(control, err.problem.detail || t('error.generic'), err.lang || 'en');
    control.focus();
    return;
  }
  const slot = form?.querySelector('.form-error');
  if (!slot) return;
  slot.replaceChildren(h('p', {}, describe(err)));
  slot.hidden = false;
  focus(slot);
}

const STATUS_CLASS = { resolved: 'status-resolved', closed: 'status-closed' };

/** A case status as a badge. */
export function statusBadge(status) {
  return h('span', { class: `status ${STATUS_CLASS[status] || ''}` }, label('case.status', status));
}
