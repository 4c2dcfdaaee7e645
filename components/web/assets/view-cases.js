// Cases: the list of my cases (a buyer's own, a seller's about their
// orders), and one case: its facts, its messages (polled while a chat is
// live), the callback for a phone case, the outcome when resolved, and for
// agents the resolution form.

import { Api } from './api.js';
import { h, replace, field, formError, clearErrors, showFieldError, focus } from './dom.js';
import { t, label, languageName, dateTime, money, isoDate, toDate } from './i18n.js';
import { session, hasRole, link, title, heading, loading, loadFailed, showError, statusBadge } from './ui.js';
import { resolutionForm } from './view-agent.js';

const POLL_MS = 3000;

function needsSignIn(view) {
  title(t('signin.title'));
  replace(view, heading(t('signin.title')), h('p', {}, t('signin.needed')), h('p', {}, link('/', t('signin.go'))));
}

export async function renderCases(view) {
  if (!session.user) return needsSignIn(view);
  const seller = hasRole('seller') && !hasRole('buyer');
  const pageTitle = t(seller ? 'cases.seller_title' : 'cases.title');
  title(pageTitle);
  replace(view, heading(pageTitle), loading());
  let page;
  try {
    page = await Api.cases();
  } catch (err) {
    replace(view, heading(pageTitle), loadFailed(err, () => renderCases(view)));
    return;
  }
  const cases = page.cases ?? [];
  const list = h('ul', { class: 'list card', id: 'case-list' }, cases.map((item) => caseSummary(item)));
  replace(
    view,
    heading(pageTitle),
    h('p', {}, t(seller ? 'cases.seller_intro' : 'cases.intro')),
    cases.length ? list : h('p', { class: 'card' }, t('cases.none'), ' ', link('/', t('cases.ask_first'))),
    olderCases(list, page.next_before),
  );
}

/** "Show older cases": adds the page before `before` to `list`; nothing after the last page. */
function olderCases(list, before) {
  if (before == null) return null;
  const holder = h('div', { class: 'actions' });
  const load = async () => {
    replace(holder, loading());
    try {
      const page = await Api.cases(before);
      list.append(...(page.cases ?? []).map((item) => caseSummary(item)));
      holder.replaceWith(olderCases(list, page.next_before) ?? '');
    } catch (err) {
      replace(holder, loadFailed(err, load));
    }
  };
  replace(holder, h('button', { type: 'button', class: 'secondary', id: 'older-cases', onclick: load }, t('cases.older')));
  return holder;
}

/** A case in a list; an agent's queue also says its language and topic, which decide who picks it. */
export function caseSummary(item, { queue = false } = {}) {
  return h(
    'li',
    { 'data-case': item.id },
    link(`/cases/${encodeURIComponent(item.id)}`, t('case.title', { id: item.id })),
    ' ',
    statusBadge(item.status),
    h(
      'p',
      { class: 'meta' },
      h('span', {}, label('channel', item.channel)),
      queue ? h('span', { class: 'case-lang' }, languageName(item.lang)) : null,
      queue ? h('span', { class: 'case-topic' }, item.topic) : null,
      item.order_id ? h('span', {}, t('case.order_ref', { id: item.order_id })) : null,
      h('span', {}, t('case.opened_on', { when: dateTime(item.created_at) })),
    ),
  );
}

export async function renderCase(view, id) {
  if (!session.user) return needsSignIn(view);
  title(t('case.title', { id }));
  replace(view, heading(t('case.title', { id })), loading());
  const state = { case: null, messages: [], after: 0, timer: null, stopped: false };
  try {
    const [record, page] = await Promise.all([Api.getCase(id), Api.messages(id, 0)]);
    state.case = record;
    state.messages = page.messages ?? [];
    state.after = page.next_after ?? 0;
  } catch (err) {
    replace(view, heading(t('case.title', { id })), loadFailed(err, () => renderCase(view, id)), h('p', {}, link('/cases', t('case.back'))));
    return;
  }
  const messageList = h('ol', { class: 'messages', id: 'messages', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const drawMessages = () => replace(messageList, state.messages.map(messageItem));
  drawMessages();
  // A poll and a send can read the same page: only messages after the last one shown are added.
  state.add = (page) => {
    const fresh = (page.messages ?? []).filter((m) => m.seq > state.after);
    if (!fresh.length) return;
    state.messages.push(...fresh);
    state.after = Math.max(state.after, ...fresh.map((m) => m.seq));
    drawMessages();
    document.getElementById('no-messages')?.remove();
  };

  const draw = () => {
    const record = state.case;
    replace(
      view,
      heading(t('case.title', { id: record.id })),
      h('p', {}, statusBadge(record.status), ' ', h('span', { class: 'muted' }, t('case.channel_is', { channel: label('channel', record.channel) }))),
      h('p', {}, link('/cases', t('case.back'))),
      opened(record),
      record.resolution ? outcome(record.resolution) : null,
      record.channel === 'phone' ? callbackSection(record, (updated) => ((state.case = updated), draw())) : null,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'messages-title' },
        h('h2', { id: 'messages-title' }, t('case.messages')),
        record.channel === 'chat' && isLive(record) ? h('p', { class: 'hint' }, t('case.chat_live')) : null,
        messageList,
        state.messages.length ? null : h('p', { class: 'muted', id: 'no-messages' }, t('case.no_messages')),
        record.status === 'closed' ? h('p', { class: 'notice notice-info' }, t('case.closed')) : messageForm(record, state),
      ),
      hasRole('agent') && isLive(record) ? resolutionForm(record, (updated) => ((state.case = updated), draw())) : null,
    );
  };
  draw();

  // Live chat: poll for new messages while the case is open and the tab is visible.
  const poll = async () => {
    if (state.stopped) return;
    if (!document.hidden) {
      try {
        const page = await Api.messages(id, state.after);
        state.add(page);
        if (page.status && page.status !== state.case.status) {
          state.case = await Api.getCase(id);
          draw();
        }
      } catch {
        // The banner says when the API is unreachable; polling carries on.
      }
    }
    if (!state.stopped && isLive(state.case)) state.timer = setTimeout(poll, POLL_MS);
  };
  if (state.case.channel === 'chat' && isLive(state.case)) state.timer = setTimeout(poll, POLL_MS);
  return () => {
    state.stopped = true;
    clearTimeout(state.timer);
  };
}

function isLive(record) {
  return !['resolved', 'closed'].includes(record.status);
}

function opened(record) {
  const order = record.order?.order;
  const facts = [
    [t('case.status_label'), label('case.status', record.status)],
    [t('case.channel_label'), label('channel', record.channel)],
    order ? [t('case.order_label'), [record.order.item?.title, order.id].filter(Boolean).join(' · ')] : null,
    order ? [t('order.total'), money(order.total)] : null,
    [t('case.opened_label'), dateTime(record.created_at)],
    [t('case.updated_label'), dateTime(record.updated_at)],
  ].filter(Boolean);
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'case-facts-title' },
    h('h2', { id: 'case-facts-title' }, t('case.facts')),
    h('dl', { class: 'facts' }, facts.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])),
    h('h3', {}, t('case.description')),
    h('p', { class: 'answer-text', lang: record.lang }, record.description),
    conversation(record.conversation),
  );
}

/** The AI exchanges the case came from (shown to the opener and to agents). */
function conversation(record) {
  const exchanges = record?.exchanges ?? [];
  if (!exchanges.length) return null;
  return [
    h('h3', {}, t('case.conversation')),
    h(
      'dl',
      { class: 'exchanges' },
      exchanges.map((exchange) => [
        h('dt', { lang: exchange.lang }, exchange.question),
        h('dd', { class: 'answer-text', lang: exchange.lang }, exchange.answer),
      ]),
    ),
  ];
}

function outcome(resolution) {
  const notice = resolution.notice ?? {};
  return h(
    'section',
    { class: 'card notice notice-ok', 'aria-labelledby': 'outcome-title', id: 'outcome' },
    h('h2', { id: 'outcome-title' }, t('case.outcome')),
    h('p', { lang: notice.lang }, notice.outcome ?? resolution.summary),
    resolution.actions?.length
      ? h('ul', {}, resolution.actions.map((action) => h('li', {}, actionText(action))))
      : null,
    h('h3', {}, t('case.adr_title')),
    h('p', { lang: notice.lang }, notice.external_dispute_resolution ?? t('case.adr_text')),
    h('p', {}, h('a', { href: notice.external_dispute_resolution_url || 'https://www.acm.nl/', rel: 'noopener noreferrer', target: '_blank' }, t('case.adr_link'))),
  );
}

function actionText(action) {
  const name = label('resolution.kind', action.type);
  if (action.amount) return `${name}: ${money(action.amount)}`;
  if (action.duration_days) return `${name}: ${t('resolution.days', { days: action.duration_days })}`;
  if (action.category) return `${name}: ${label('resolution.category', action.category)}`;
  return name;
}

function authorName(message) {
  if (message.author_id === session.user?.id) return t('case.from.you');
  return label('case.from', message.author_role);
}

function messageItem(message) {
  const mine = message.author_id === session.user?.id;
  return h(
    'li',
    { class: `message${mine ? ' mine' : ''}`, 'data-seq': message.seq },
    h('span', { class: 'who-said' }, authorName(message)),
    h('time', { datetime: isoDate(message.at) }, dateTime(message.at)),
    h('p', {}, message.body),
  );
}

function messageForm(record, state) {
  const text = h('textarea', { name: 'body', rows: 3, maxlength: 10000, required: true });
  const submit = h('button', { type: 'submit', id: 'send-message' }, t('case.send'));
  const form = h(
    'form',
    { novalidate: true, id: 'message-form' },
    formError(),
    field(t(hasRole('agent') ? 'case.reply_agent' : 'case.your_message'), text),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!text.value.trim()) return showFieldError(text, t('case.message_required')), text.focus();
    submit.disabled = true;
    try {
      await Api.sendMessage(record.id, text.value.trim());
      // Read back from where we were, so a message someone else sent meanwhile is not skipped.
      state.add(await Api.messages(record.id, state.after));
      text.value = '';
      text.focus();
    } catch (err) {
      showError(err, form, { body: text });
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** `<input type=datetime-local>` value for a date, in the browser's time zone. */
function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function callbackSection(record, updated) {
  const booked = record.callback;
  const parts = [h('h2', { id: 'callback-title' }, t('callback.title'))];
  if (booked?.slot) {
    parts.push(
      h('p', { class: 'notice notice-ok', id: 'callback-booked' }, t('callback.booked', { when: dateTime(booked.slot) }), booked.phone ? ` (${booked.phone})` : ''),
    );
  }
  if (isLive(record) && record.opened_by === session.user?.id) {
    const phone = h('input', { type: 'tel', name: 'phone', autocomplete: 'tel', inputmode: 'tel', required: true, value: booked?.phone ?? '' });
    const slot = h('input', { type: 'datetime-local', name: 'slot', required: true, step: 900 });
    const start = toDate(record.updated_at) ?? new Date();
    slot.value = localInputValue(new Date(Math.ceil((start.getTime() + 15 * 60000) / 900000) * 900000));
    const submit = h('button', { type: 'submit', id: 'book-callback' }, t(booked ? 'callback.change' : 'callback.submit'));
    const form = h(
      'form',
      { novalidate: true, id: 'callback-form' },
      formError(),
      field(t('callback.phone'), phone, t('callback.phone_hint')),
      field(t('callback.slot'), slot, t('callback.slot_hint')),
      h('div', { class: 'actions' }, submit),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      const number = phone.value.replace(/[\s()-]/g, '');
      if (!/^\+[1-9]\d{7,14}$/.test(number)) return showFieldError(phone, t('callback.phone_invalid')), phone.focus();
      const when = slot.value ? new Date(slot.value) : null;
      if (!when || Number.isNaN(when.getTime())) return showFieldError(slot, t('callback.slot_required')), slot.focus();
      submit.disabled = true;
      try {
        updated(await Api.requestCallback(record.id, { phone: number, slot: Math.floor(when.getTime() / 1000) }));
        focus(document.getElementById('callback-booked'));
      } catch (err) {
        submit.disabled = false;
        showError(err, form, { phone, slot });
      }
    });
    parts.push(h('p', {}, t('callback.intro')), form);
  }
  return h('section', { class: 'card', 'aria-labelledby': 'callback-title', id: 'callback' }, parts);
}
