// The agents' console: their presence (which opens live channels in the
// languages they speak), the queue of open cases oldest first, how the
// answers did (where the help articles need work), and the resolution form
// shown on a case.

import { Api } from './api.js';
import { h, replace, field, formError, clearErrors, showFieldError } from './dom.js';
import { LANGUAGES, t, label, languageName, lang } from './i18n.js';
import { session, hasRole, link, title, heading, loading, loadFailed, showError } from './ui.js';
import { caseSummary } from './view-cases.js';

/** Presence lasts five minutes unless refreshed; refresh well before. */
const PRESENCE_REFRESH_MS = 60_000;

/** The queue's age filter, in minutes: cases opened at least this long ago. */
const QUEUE_AGES = [60, 240, 1440, 4320];

/** `240` → "4 hours", `1440` → "1 day", in the page's language. */
function duration(minutes) {
  const [value, unit] = minutes % 1440 === 0 ? [minutes / 1440, 'day'] : [minutes / 60, 'hour'];
  return new Intl.NumberFormat(lang(), { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

export async function renderAgent(view) {
  if (!hasRole('agent')) {
    title(t('agent.title'));
    replace(view, heading(t('agent.title')), h('p', {}, t('agent.only')), h('p', {}, link('/', t('notfound.home'))));
    return;
  }
  title(t('agent.title'));
  const presenceCard = h('section', { class: 'card', 'aria-labelledby': 'presence-title' }, h('h2', { id: 'presence-title' }, t('presence.title')), loading());
  const queueCard = h('section', { class: 'card', 'aria-labelledby': 'queue-title' }, h('h2', { id: 'queue-title' }, t('queue.title')), loading());
  const reportCard = h('section', { class: 'card', 'aria-labelledby': 'report-title' }, h('h2', { id: 'report-title' }, t('report.title')), loading());
  replace(view, heading(t('agent.title')), presenceCard, queueCard, reportCard);

  const state = { presence: null, languages: [], filters: { status: '', lang: '', channel: '' }, timer: null };
  await Promise.all([loadPresence(presenceCard, state), loadQueue(queueCard, state), loadReport(reportCard)]);
  state.timer = setInterval(() => {
    if (state.presence) Api.setPresence({ online: true, languages: state.presence.languages }).catch(() => {});
  }, PRESENCE_REFRESH_MS);
  return () => clearInterval(state.timer);
}

async function loadPresence(card, state) {
  try {
    const team = await Api.presence();
    state.presence = (team.agents ?? []).find((a) => a.agent_id === session.user.id) ?? null;
    state.languages = state.presence?.languages ?? [];
    drawPresence(card, state);
  } catch (err) {
    replace(card, h('h2', { id: 'presence-title' }, t('presence.title')), loadFailed(err, () => loadPresence(card, state)));
  }
}

function drawPresence(card, state) {
  const online = Boolean(state.presence);
  const boxes = LANGUAGES.map((code) => {
    const box = h('input', { type: 'checkbox', name: 'languages', value: code, id: `speaks-${code}`, checked: state.languages.includes(code) });
    return h('div', { class: 'choice' }, box, h('label', { for: box.id }, languageName(code)));
  });
  const group = h('fieldset', { id: 'presence-languages' }, h('legend', {}, t('presence.languages')), boxes, h('p', { class: 'field-error', id: 'presence-languages-error', hidden: true }));
  const toggle = h('button', { type: 'submit', id: 'presence-toggle', 'aria-pressed': String(online) }, t(online ? 'presence.go_offline' : 'presence.go_online'));
  const form = h(
    'form',
    { novalidate: true },
    formError(),
    h('p', { role: 'status', id: 'presence-status' }, t(online ? 'presence.online' : 'presence.offline')),
    group,
    h('p', { class: 'hint' }, t('presence.hint')),
    h('div', { class: 'actions' }, toggle),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const languages = [...group.querySelectorAll('input:checked')].map((box) => box.value);
    toggle.disabled = true;
    try {
      const answer = await Api.setPresence(online ? { online: false } : { online: true, ...(languages.length ? { languages } : {}) });
      state.presence = answer.online ? answer.presence : null;
      state.languages = state.presence?.languages ?? languages;
      drawPresence(card, state);
      document.getElementById('presence-toggle')?.focus();
    } catch (err) {
      toggle.disabled = false;
      showError(err, form, { languages: group });
    }
  });
  replace(card, h('h2', { id: 'presence-title' }, t('presence.title')), form);
}

async function loadQueue(card, state) {
  const select = (name, options) => {
    const control = h(
      'select',
      { name, id: `queue-${name}`, onchange: () => ((state.filters[name] = control.value), loadQueue(card, state)) },
      h('option', { value: '' }, t('queue.any')),
      options.map(([value, text]) => h('option', { value, selected: state.filters[name] === value }, text)),
    );
    return field(t(`queue.${name}`), control);
  };
  const filters = h(
    'div',
    { class: 'filters' },
    select('status', ['open', 'in_review', 'waiting_on_buyer', 'waiting_on_seller', 'resolved', 'closed'].map((s) => [s, label('case.status', s)])),
    select('lang', LANGUAGES.map((code) => [code, languageName(code)])),
    select('channel', ['email', 'chat', 'phone'].map((c) => [c, label('channel', c)])),
    select('min_age_minutes', QUEUE_AGES.map((minutes) => [String(minutes), t('queue.age_at_least', { age: duration(minutes) })])),
  );
  const results = h('div', { id: 'queue-results', 'aria-live': 'polite' }, loading());
  const focused = document.activeElement?.id;
  replace(card, h('h2', { id: 'queue-title' }, t('queue.title')), filters, results);
  if (focused?.startsWith('queue-')) document.getElementById(focused)?.focus();
  try {
    const queue = await Api.queue(state.filters);
    const cases = queue.cases ?? [];
    replace(
      results,
      // A walk cut short (`next_after`) counted only the cases it read: at least that many.
      h('p', { class: 'muted' }, t('queue.count', { count: `${queue.total ?? cases.length}${queue.next_after == null ? '' : '+'}` })),
      cases.length ? h('ul', { class: 'list', id: 'queue-list' }, cases.map((item) => caseSummary(item, { queue: true }))) : h('p', {}, t('queue.empty')),
    );
  } catch (err) {
    replace(results, loadFailed(err, () => loadQueue(card, state)));
  }
}

/** How the answers did in the last 30 days, per topic and language. */
async function loadReport(card) {
  const title = h('h2', { id: 'report-title' }, t('report.title'));
  try {
    const report = await Api.answersReport();
    const percent = new Intl.NumberFormat(lang(), { style: 'percent' });
    const share = (tally) => (tally.helped_share === null ? '–' : percent.format(tally.helped_share));
    const totals = report.totals;
    const column = (key, number) => h('th', { scope: 'col', class: number ? 'number' : null }, t(key));
    const header = h('tr', {}, column('report.topic'), column('queue.lang'), ['report.questions', 'report.rated', 'report.helped'].map((key) => column(key, true)));
    const rows = report.rows.map((row) =>
      h(
        'tr',
        {},
        h('td', {}, row.topic ?? t('report.no_topic')),
        h('td', {}, languageName(row.lang)),
        [row.questions, row.rated].map((n) => h('td', { class: 'number' }, String(n))),
        h('td', { class: 'number' }, share(row)),
      ),
    );
    replace(
      card,
      title,
      totals.questions
        ? [
            h('p', { class: 'muted' }, t('report.totals', { questions: totals.questions, rated: totals.rated, helped: share(totals) })),
            h('table', { id: 'report-table', class: 'report' }, h('thead', {}, header), h('tbody', {}, rows)),
          ]
        : h('p', {}, t('report.empty')),
    );
  } catch (err) {
    replace(card, title, loadFailed(err, () => loadReport(card)));
  }
}

// Resolving a case --------------------------------------------------------------

const KINDS = ['partial_refund', 'full_refund', 'order_cancellation', 'account_restriction', 'account_suspension', 'law_enforcement_referral'];

/** The resolution form on a case (agents only); `resolved(case)` when done. */
export function resolutionForm(record, resolved) {
  const order = record.order?.order;
  const currency = order?.total?.currency;
  const controls = {};
  const kinds = KINDS.filter((kind) => order || kind.startsWith('account') || kind === 'law_enforcement_referral');
  const sections = kinds.map((kind) => {
    const box = h('input', { type: 'checkbox', name: 'kind', value: kind, id: `kind-${kind}` });
    const details = h('div', { class: 'details', hidden: true, id: `kind-${kind}-details` }, detailsFor(kind, record, currency, controls));
    box.addEventListener('change', () => (details.hidden = !box.checked));
    controls[kind] = box;
    return h('div', {}, h('div', { class: 'choice' }, box, h('label', { for: box.id }, label('resolution.kind', kind))), details);
  });
  const summary = h('textarea', { name: 'summary', rows: 4, maxlength: 5000, required: true });
  const submit = h('button', { type: 'submit', id: 'resolve' }, t('resolution.submit'));
  const group = h('fieldset', { id: 'resolution-actions' }, h('legend', {}, t('resolution.actions')), sections, h('p', { class: 'field-error', id: 'resolution-actions-error', hidden: true }));
  const form = h('form', { novalidate: true, id: 'resolution-form' }, formError(), group, field(t('resolution.summary'), summary, t('resolution.summary_hint')), h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = kinds.filter((kind) => controls[kind].checked);
    // The API names a broken rule by position: `actions[1].amount`.
    const fieldControls = { summary, actions: group };
    const actions = chosen.map((kind, i) => {
      const action = { type: kind };
      const at = (name, control) => (fieldControls[`actions[${i}].${name}`] = control);
      at('type', controls[kind]);
      if (kind === 'partial_refund') {
        const amount = controls.amount;
        at('amount', amount);
        const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
        action.amount = { amount: Math.round(Number(amount.value) * 10 ** digits), currency };
      }
      if (kind === 'account_restriction' || kind === 'account_suspension') {
        for (const name of ['user_id', 'reason', 'duration_days']) at(name, controls[`${kind}.${name}`]);
        action.user_id = controls[`${kind}.user_id`].value;
        action.reason = controls[`${kind}.reason`].value.trim();
        action.duration_days = Number(controls[`${kind}.duration_days`].value);
      }
      if (kind === 'law_enforcement_referral') {
        at('category', controls.category);
        at('evidence', controls.evidence);
        action.category = controls.category.value;
        action.evidence = controls.evidence.value.split('\n').map((line) => line.trim()).filter(Boolean);
      }
      return action;
    });
    if (!summary.value.trim()) return showFieldError(summary, t('resolution.summary_required')), summary.focus();
    submit.disabled = true;
    try {
      resolved(await Api.resolve(record.id, { actions, summary: summary.value.trim() }));
      document.getElementById('outcome-title')?.setAttribute('tabindex', '-1');
      document.getElementById('outcome-title')?.focus();
    } catch (err) {
      submit.disabled = false;
      showError(err, form, fieldControls);
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'resolution-title', id: 'resolution' }, h('h2', { id: 'resolution-title' }, t('resolution.title')), h('p', {}, t('resolution.intro')), form);
}

function detailsFor(kind, record, currency, controls) {
  if (kind === 'partial_refund') {
    controls.amount = h('input', { type: 'number', name: 'amount', min: '0', step: '0.01', inputmode: 'decimal' });
    return field(t('resolution.amount', { currency }), controls.amount);
  }
  if (kind === 'account_restriction' || kind === 'account_suspension') {
    const party = h(
      'select',
      { name: 'user_id', id: `${kind}-user` },
      h('option', { value: record.buyer_id }, t('case.from.buyer')),
      record.seller_id ? h('option', { value: record.seller_id }, t('case.from.seller')) : null,
    );
    const reason = h('input', { type: 'text', name: 'reason', id: `${kind}-reason` });
    const days = h('input', { type: 'number', name: 'duration_days', id: `${kind}-days`, min: '1', max: '3650', value: '30' });
    controls[`${kind}.user_id`] = party;
    controls[`${kind}.reason`] = reason;
    controls[`${kind}.duration_days`] = days;
    return [field(t('resolution.party'), party), field(t('resolution.reason'), reason), field(t('resolution.duration'), days)];
  }
  if (kind === 'law_enforcement_referral') {
    controls.category = h(
      'select',
      { name: 'category', id: 'referral-category' },
      ['counterfeit', 'fraud'].map((c) => h('option', { value: c }, label('resolution.category', c))),
    );
    controls.evidence = h('textarea', { name: 'evidence', id: 'referral-evidence', rows: 3 });
    return [field(t('resolution.category'), controls.category), field(t('resolution.evidence'), controls.evidence, t('resolution.evidence_hint'))];
  }
  return null;
}
