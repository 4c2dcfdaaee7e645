// The help-center page: boots in the right language, draws the header, and
// routes between views on the client (the server answers the page for every
// page path, so a reload or a shared link lands on the same view).

import { Api, onReachability } from './api.js';
import { h, replace, focus } from './dom.js';
import { LANGUAGES, loadStrings, preferredLanguage, rememberChoice, setLanguage, lang, t, nativeName } from './i18n.js';
import { configure, session, hasRole, link, heading, title } from './ui.js';
import { renderHelp, forgetHelp } from './view-help.js';
import { renderCases, renderCase } from './view-cases.js';
import { renderAgent } from './view-agent.js';

const app = document.getElementById('app');
let main = document.getElementById('main');
let banner = null;
let apiReachable = true;
let leaveView = null;

const routes = [
  { path: /^\/$/, nav: 'help', render: renderHelp },
  { path: /^\/cases\/?$/, nav: 'cases', render: renderCases },
  { path: /^\/cases\/([^/]+)$/, nav: 'cases', render: renderCase },
  { path: /^\/agent\/?$/, nav: 'agent', render: renderAgent },
];

function currentRoute() {
  const path = location.pathname;
  for (const route of routes) {
    const match = route.path.exec(path);
    if (match) return { route, params: match.slice(1).map(decodeURIComponent) };
  }
  return { route: { nav: null, render: renderNotFound }, params: [] };
}

function renderNotFound(view) {
  title(t('notfound.title'));
  replace(view, heading(t('notfound.title')), h('p', {}, t('notfound.text')), h('p', {}, link('/', t('notfound.home'))));
}

/** Draws the whole page for the current URL; `moveFocus` after a navigation. */
async function render({ moveFocus = false } = {}) {
  leaveView?.();
  leaveView = null;
  const { route, params } = currentRoute();
  replace(app, header(route.nav), bannerRegion(), (main = h('main', { id: 'main', tabindex: '-1' })));
  const leave = await route.render(main, ...params);
  if (typeof leave === 'function') leaveView = leave;
  if (moveFocus) focus(main.querySelector('h1') || main);
}

function navigate(path) {
  if (path !== location.pathname + location.search) history.pushState(null, '', path);
  window.scrollTo(0, 0);
  render({ moveFocus: true });
}

function header(active) {
  const user = session.user;
  const items = [['/', t('nav.help'), 'help']];
  if (user && (hasRole('buyer') || hasRole('seller'))) items.push(['/cases', t(hasRole('seller') && !hasRole('buyer') ? 'nav.seller_cases' : 'nav.cases'), 'cases']);
  if (hasRole('agent')) items.push(['/agent', t('nav.agent'), 'agent']);
  const switcher = h(
    'select',
    { id: 'lang-switcher', name: 'lang', onchange: (event) => switchLanguage(event.target.value) },
    LANGUAGES.map((code) => h('option', { value: code, lang: code, selected: code === lang() }, nativeName(code))),
  );
  return h(
    'header',
    { class: 'site-header' },
    h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); focus(main); } }, t('nav.skip')),
    h(
      'div',
      { class: 'bar' },
      link('/', [h('img', { src: new URL('./icon.svg', import.meta.url).pathname, alt: '' }), t('app.title')], { class: 'brand' }),
      h('nav', { class: 'site-nav', 'aria-label': t('nav.label') }, h('ul', {}, items.map(([href, text, id]) => h('li', {}, link(href, text, { 'aria-current': id === active ? 'page' : null }))))),
      h(
        'div',
        { class: 'tools' },
        h('label', { for: 'lang-switcher' }, t('nav.language')),
        switcher,
        user ? h('span', { class: 'who' }, t('nav.signed_in_as', { name: user.name })) : null,
        user ? h('button', { type: 'button', class: 'secondary', id: 'sign-out', onclick: signOut }, t('nav.sign_out')) : null,
      ),
    ),
  );
}

function bannerRegion() {
  banner = h(
    'div',
    { class: 'banner', role: 'alert', id: 'api-banner', hidden: apiReachable },
    h(
      'div',
      { class: 'notice notice-error' },
      h('p', {}, h('strong', {}, t('error.unreachable_title')), ' ', t('error.unreachable')),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => render({ moveFocus: true }) }, t('common.retry'))),
    ),
  );
  return banner;
}

onReachability((reachable) => {
  apiReachable = reachable;
  if (banner) banner.hidden = reachable;
});

function switchLanguage(code) {
  rememberChoice(code);
  setLanguage(code);
  render();
  document.getElementById('lang-switcher')?.focus();
}

async function signOut() {
  try {
    await Api.signOut();
  } catch {
    // Signed out or not, the page forgets the user; the cookie expires on its own.
  }
  signedOut();
}

function signedOut() {
  session.user = null;
  forgetHelp();
  if (location.pathname !== '/') history.pushState(null, '', '/');
  render({ moveFocus: true });
}

/** After a sign-in: the user's language unless one was picked here. */
function signedIn(user) {
  session.user = user;
  setLanguage(preferredLanguage(user));
  render({ moveFocus: true });
}

configure({ navigate, signedOut, signedIn });
window.addEventListener('popstate', () => render({ moveFocus: true }));

async function boot() {
  try {
    await loadStrings();
  } catch {
    // The server wrote this message in the browser's language, hidden until needed.
    document.getElementById('boot-message')?.setAttribute('hidden', '');
    document.getElementById('boot-failed')?.removeAttribute('hidden');
    return;
  }
  try {
    session.user = (await Api.session()).user ?? null;
  } catch {
    // 401: not signed in. Unreachable: the banner says so and the page still works as far as it can.
    session.user = null;
  }
  setLanguage(preferredLanguage(session.user));
  await render();
}

boot();
