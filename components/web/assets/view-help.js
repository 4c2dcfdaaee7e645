// The help view: sign in, ask (in general, or about one of my orders or
// recently viewed items), read the answer and its sources, and when that is
// not enough, see how to reach the team and send the request, which opens a
// case. Its state outlives a redraw (a language switch keeps the answer).

import { Api, newIdempotencyKey } from './api.js';
import { h, replace, field, formError, clearErrors, showFieldError, focus } from './dom.js';
import { t, lang, label, list, languageName, dateOnly, money, opening } from './i18n.js';
import { session, signedIn, navigate, title, heading, loading, loadFailed, showError } from './ui.js';

const blank = () => ({
  email: '',
  about: 'general',
  orderId: '',
  itemId: '',
  question: '',
  orders: null,
  items: null,
  listsError: null,
  asking: false,
  answer: null,
  /** What the answer was about, so a follow-up keeps the conversation. */
  answeredAbout: null,
  feedback: null,
  contactOpen: false,
  contact: null,
  contactError: null,
  channel: null,
  description: '',
  sending: false,
  /** The key of the request being sent, reused while the request is the same. */
  pending: null,
});

let s = blank();
let view = null;

/** Forgets the question and answer (sign-out, a case opened). */
export function forgetHelp() {
  s = blank();
}

export async function renderHelp(main) {
  view = main;
  title(t('help.title'));
  if (session.user && s.orders === null) {
    replace(view, heading(t('help.title')), loading());
    await loadLists();
  }
  draw();
}

async function loadLists() {
  const [orders, items] = await Promise.allSettled([Api.orders(), Api.recentItems()]);
  s.orders = orders.status === 'fulfilled' ? orders.value.orders ?? [] : [];
  s.items = items.status === 'fulfilled' ? (items.value.items ?? []).map((viewed) => viewed.item).filter(Boolean) : [];
  s.listsError = [orders, items].find((r) => r.status === 'rejected')?.reason ?? null;
}

function draw(focusId) {
  if (!view?.isConnected) return;
  replace(
    view,
    heading(t('help.title')),
    h('p', { class: 'lead' }, t('help.lead')),
    session.user ? null : signInSection(),
    askSection(),
    s.answer ? answerSection() : null,
    s.answer && s.contactOpen ? contactSection() : null,
  );
  if (focusId) focus(document.getElementById(focusId));
}

// Sign-in ------------------------------------------------------------------

function signInSection() {
  // The email outlives a redraw (a retry, a language switch); the password never is kept.
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, spellcheck: 'false', value: s.email });
  email.addEventListener('input', () => (s.email = email.value));
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, t('signin.submit'));
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'signin-title' },
    formError(),
    field(t('signin.email'), email),
    field(t('signin.password'), password),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!email.value.trim()) return showFieldError(email, t('signin.email_required')), email.focus();
    if (!password.value) return showFieldError(password, t('signin.password_required')), password.focus();
    submit.disabled = true;
    try {
      const { user } = await Api.signIn(email.value.trim(), password.value);
      s = blank();
      signedIn(user);
    } catch (err) {
      submit.disabled = false;
      if (err.status === 401) {
        showFieldError(password, t('signin.wrong'));
        password.focus();
      } else {
        showError(err, form, { email, password });
      }
    }
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, t('signin.title')),
    h('p', {}, t('signin.why')),
    form,
  );
}

// Asking -------------------------------------------------------------------

function orderLabel(order) {
  return [order.item_title, label('order.state', order.state), dateOnly(order.created_at)].filter(Boolean).join(' · ');
}

function itemLabel(item) {
  return [item.title, money(item.price)].filter(Boolean).join(' · ');
}

function orderFacts(order) {
  if (!order) return null;
  const facts = [
    [t('order.state_label'), label('order.state', order.state)],
    [t('order.total'), money(order.total)],
    [t('order.placed'), dateOnly(order.created_at)],
    order.delivered_at ? [t('order.delivered'), dateOnly(order.delivered_at)] : null,
    !order.delivered_at && order.estimated_delivery_at ? [t('order.expected'), dateOnly(order.estimated_delivery_at)] : null,
  ].filter(Boolean);
  return h(
    'div',
    {},
    h('dl', { class: 'facts' }, facts.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])),
    order.delivery_overdue ? h('p', { class: 'notice notice-warn' }, t('order.overdue')) : null,
  );
}

function askSection() {
  const isSignedIn = Boolean(session.user);
  const question = h('textarea', { name: 'question', rows: 4, maxlength: 2000, required: true, value: s.question });
  question.addEventListener('input', () => (s.question = question.value));

  const orderSelect = h(
    'select',
    { name: 'order_id', id: 'ask-order' },
    h('option', { value: '' }, t('ask.order_choose')),
    (s.orders ?? []).map((order) => h('option', { value: order.id, selected: order.id === s.orderId }, orderLabel(order))),
  );
  const itemSelect = h(
    'select',
    { name: 'item_id', id: 'ask-item' },
    h('option', { value: '' }, t('ask.item_choose')),
    (s.items ?? []).map((item) => h('option', { value: item.id, selected: item.id === s.itemId }, itemLabel(item))),
  );
  const facts = h('div', { id: 'ask-order-facts' }, orderFacts(s.orders?.find((o) => o.id === s.orderId)));
  orderSelect.addEventListener('change', () => {
    s.orderId = orderSelect.value;
    replace(facts, orderFacts(s.orders?.find((o) => o.id === s.orderId)));
  });
  itemSelect.addEventListener('change', () => (s.itemId = itemSelect.value));

  const orderField = h(
    'div',
    { hidden: s.about !== 'order' },
    s.orders?.length ? [field(t('ask.order'), orderSelect, t('ask.order_hint')), facts] : h('p', { class: 'muted' }, t('ask.no_orders')),
  );
  const itemField = h(
    'div',
    { hidden: s.about !== 'item' },
    s.items?.length ? field(t('ask.item'), itemSelect) : h('p', { class: 'muted' }, t('ask.no_items')),
  );

  const choice = (value, text) => {
    const input = h('input', { type: 'radio', name: 'about', value, id: `about-${value}`, checked: s.about === value });
    input.addEventListener('change', () => {
      s.about = value;
      orderField.hidden = value !== 'order';
      itemField.hidden = value !== 'item';
    });
    return h('div', { class: 'choice' }, input, h('label', { for: input.id }, text));
  };

  const submit = h('button', { type: 'submit', disabled: s.asking }, t(s.asking ? 'ask.asking' : 'ask.submit'));
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'ask-title' },
    formError(),
    isSignedIn
      ? h(
          'fieldset',
          {},
          h('legend', {}, t('ask.about')),
          choice('general', t('ask.about_general')),
          choice('order', t('ask.about_order')),
          choice('item', t('ask.about_item')),
        )
      : null,
    isSignedIn ? [orderField, itemField] : null,
    s.listsError ? loadFailed(s.listsError) : null,
    field(t('ask.question'), question, t('ask.question_hint')),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ask(form, { question, orderSelect, itemSelect, submit });
  });

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'ask-title' },
    h('h2', { id: 'ask-title' }, t('ask.title')),
    h('p', {}, t(isSignedIn ? 'ask.intro' : 'ask.intro_anonymous')),
    form,
  );
}

async function ask(form, { question, orderSelect, itemSelect, submit }) {
  clearErrors(form);
  const text = question.value.trim();
  const orderId = s.about === 'order' ? s.orderId : '';
  const itemId = s.about === 'item' ? s.itemId : '';
  if (s.about === 'order' && !orderId) return showFieldError(orderSelect, t('ask.order_required')), orderSelect.focus();
  if (s.about === 'item' && !itemId) return showFieldError(itemSelect, t('ask.item_required')), itemSelect.focus();
  if (!text) return showFieldError(question, t('ask.question_required')), question.focus();

  const about = `${orderId}|${itemId}`;
  const request = { question: text, lang: lang() };
  if (orderId) request.order_id = orderId;
  if (itemId) request.item_id = itemId;
  // A follow-up about the same subject continues the conversation.
  if (s.answer?.conversation_id && s.answeredAbout === about) request.conversation_id = s.answer.conversation_id;

  s.asking = true;
  submit.disabled = true;
  submit.textContent = t('ask.asking');
  // The answer to the previous question goes at once: while the new one is
  // on its way, nobody should rate it, or contact the team about it, by mistake.
  Object.assign(s, { answer: null, contactOpen: false, contact: null });
  view.querySelector('#answer')?.remove();
  view.querySelector('#contact')?.remove();
  try {
    const answer = await Api.ask(request);
    Object.assign(s, {
      answer,
      answeredAbout: about,
      feedback: null,
      contactOpen: false,
      contact: null,
      contactError: null,
      channel: null,
      description: text,
      pending: null,
      asking: false,
    });
    draw('answer-title');
  } catch (err) {
    s.asking = false;
    submit.disabled = false;
    submit.textContent = t('ask.submit');
    showError(err, form, { question, order_id: orderSelect, item_id: itemSelect, lang: question, conversation_id: question });
  }
}

// The answer -----------------------------------------------------------------

/** `lang` on text that is not in the page's language (an answer in the KB's fallback). */
function langOf(code) {
  return code && code !== lang() ? code : null;
}

/** "Message the seller first", with the contact API's own reason when it gave one. */
function sellerAdvice(id, reason) {
  return h(
    'div',
    { class: 'notice notice-warn', id },
    h('h3', {}, t('seller.title')),
    h('p', {}, reason || t('seller.text')),
    h('p', {}, t('seller.when_not')),
  );
}

function answerSection() {
  const answer = s.answer;
  const paragraphs = String(answer.answer ?? '').split(/\n{2,}/).filter((p) => p.trim());
  const sources = answer.sources ?? [];
  const suggestions = answer.suggestions ?? {};
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'answer-title', id: 'answer' },
    h('h2', { id: 'answer-title', tabindex: '-1' }, t('answer.title')),
    h('div', { class: 'answer-text', lang: langOf(answer.lang) }, paragraphs.map((p) => h('p', {}, p))),
    h('h3', {}, t('answer.sources')),
    sources.length
      ? h('ul', { class: 'sources' }, sources.map((source) => h('li', { lang: langOf(source.lang) }, source.title || source.id)))
      : h('p', { class: 'muted' }, t('answer.no_sources')),
    suggestions.message_seller ? sellerAdvice('seller-first') : null,
    suggestions.talk_to_team ? h('p', { class: 'notice notice-info' }, t('answer.team_suggested')) : null,
    feedbackBlock(),
    h(
      'div',
      { class: 'actions' },
      session.user
        ? h('button', { type: 'button', id: 'talk-to-team', 'aria-expanded': String(s.contactOpen), onclick: openContact }, t('contact.open'))
        : h('p', {}, t('contact.sign_in_first')),
    ),
  );
}

function feedbackBlock() {
  if (s.feedback) {
    return h('p', { class: 'notice notice-ok', role: 'status', id: 'feedback-thanks' }, t(s.feedback === 'yes' ? 'feedback.thanks_yes' : 'feedback.thanks_no'));
  }
  const status = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const answer = s.answer;
  const send = async (helpful) => {
    try {
      if (answer.conversation_id) await Api.feedback(answer.conversation_id, helpful);
      // The thanks belong to the answer rated, not to one asked for meanwhile.
      if (s.answer !== answer) return;
      s.feedback = helpful ? 'yes' : 'no';
      draw('feedback-thanks');
    } catch (err) {
      status.textContent = t('feedback.failed');
      status.hidden = false;
      showError(err, null);
    }
  };
  return h(
    'div',
    { class: 'feedback', role: 'group', 'aria-labelledby': 'feedback-question' },
    h('p', { id: 'feedback-question' }, t('feedback.question')),
    h('button', { type: 'button', class: 'secondary', id: 'feedback-yes', onclick: () => send(true) }, t('feedback.yes')),
    h('button', { type: 'button', class: 'secondary', id: 'feedback-no', onclick: () => send(false) }, t('feedback.no')),
    status,
  );
}

// Contacting the team ----------------------------------------------------------

async function openContact() {
  const answer = s.answer;
  Object.assign(s, { contactOpen: true, contact: null, contactError: null });
  draw('contact-title');
  let contact = null;
  let error = null;
  try {
    contact = await Api.contactOptions({
      conversation_id: answer.conversation_id,
      order_id: s.answeredAbout?.split('|')[0],
      topic: answer.topic ?? answer.sources?.[0]?.id,
      lang: lang(),
      // Opening hours are shown in the user's time zone.
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
  } catch (err) {
    error = err;
  }
  // A question asked meanwhile has replaced the answer these options are for.
  if (s.answer !== answer) return;
  Object.assign(s, { contact, contactError: error });
  draw('contact-title');
}

/** The KB topic the request is about, as the contact and cases APIs take it. */
function topicOf(answer) {
  return answer?.topic ?? answer?.sources?.[0]?.id ?? s.contact?.topic ?? FALLBACK_TOPIC;
}

/** A case needs a topic; when the answer matched none, it is about contacting support. */
const FALLBACK_TOPIC = 'contact-support';

/** The options the user can be offered: only channels that speak the page's language, recommended first. */
function offeredOptions(contact) {
  const options = (contact?.options ?? []).filter((o) => !Array.isArray(o.languages) || o.languages.includes(lang()));
  const rank = (o) => (o.channel === contact.recommended || o.recommended ? 0 : o.available ? 1 : 2);
  return [...options].sort((a, b) => rank(a) - rank(b));
}

function optionStatus(option) {
  if (option.available) {
    const wait = Number.isFinite(option.estimated_wait_minutes) && option.estimated_wait_minutes > 0
      ? t('contact.wait', { minutes: option.estimated_wait_minutes })
      : null;
    return [t('contact.available_now'), wait].filter(Boolean).join(' · ');
  }
  const when = opening(option.next_available_at);
  return when ? t('contact.opens_at', { when }) : t('contact.closed');
}

function contactSection() {
  const parts = [h('h2', { id: 'contact-title', tabindex: '-1' }, t('contact.title'))];
  if (s.contactError) {
    parts.push(loadFailed(s.contactError, () => openContact()));
  } else if (!s.contact) {
    parts.push(loading());
  } else {
    parts.push(contactForm());
  }
  return h('section', { class: 'card', 'aria-labelledby': 'contact-title', id: 'contact' }, parts);
}

function contactForm() {
  const contact = s.contact;
  const options = offeredOptions(contact);
  const selectable = options.filter((o) => o.available);
  if (!selectable.some((o) => o.channel === s.channel)) {
    s.channel = (selectable.find((o) => o.channel === contact.recommended || o.recommended) ?? selectable[0])?.channel ?? null;
  }
  const description = h('textarea', { name: 'description', rows: 5, maxlength: 4000, required: true, value: s.description });
  description.addEventListener('input', () => (s.description = description.value));

  const list = h(
    'ul',
    { class: 'options' },
    options.map((option) => {
      const id = `channel-${option.channel}`;
      const recommended = option.channel === contact.recommended || option.recommended === true;
      const input = h('input', {
        type: 'radio',
        name: 'channel',
        value: option.channel,
        id,
        disabled: !option.available,
        checked: option.channel === s.channel,
        'aria-describedby': `${id}-status`,
      });
      input.addEventListener('change', () => (s.channel = option.channel));
      return h(
        'li',
        { class: `option${recommended ? ' recommended' : ''}${option.available ? '' : ' closed'}`, 'data-channel': option.channel },
        h(
          'div',
          { class: 'choice' },
          input,
          h(
            'label',
            { for: id },
            h('span', { class: 'option-name' }, label('channel', option.channel)),
            recommended ? h('span', { class: 'badge' }, t('contact.recommended')) : null,
            option.available ? null : h('span', { class: 'badge muted-badge' }, t('contact.closed_badge')),
          ),
        ),
        h('p', { class: 'hint', id: `${id}-status` }, optionStatus(option)),
        h('p', { class: 'hint' }, t(`channel.${option.channel}_hint`)),
        Array.isArray(option.languages)
          ? h('p', { class: 'hint' }, t('contact.languages', { languages: languagesList(option.languages) }))
          : null,
      );
    }),
  );

  const submit = h('button', { type: 'submit', id: 'send-request', disabled: s.sending || !s.channel }, t(s.sending ? 'contact.sending' : 'contact.send'));
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'contact-title' },
    formError(),
    h('fieldset', { id: 'channel-group' }, h('legend', {}, t('contact.channel')), list, h('p', { class: 'field-error', id: 'channel-group-error', hidden: true })),
    field(t('contact.description'), description, t('contact.description_hint')),
    h('p', { class: 'hint' }, t('contact.no_direct_address')),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sendRequest(form, { description, submit, group: form.querySelector('#channel-group') });
  });

  return [
    h('p', {}, t('contact.intro')),
    contact.message_seller_first ? sellerAdvice('seller-first-contact', contact.seller_first_reason) : null,
    contact.reason ? h('p', { class: 'notice notice-info', id: 'recommendation-reason' }, h('strong', {}, t('contact.why')), ' ', contact.reason) : null,
    options.length ? null : h('p', { class: 'notice notice-warn' }, t('contact.none')),
    // Channels that do not speak the user's language are not offered; the API says why.
    (contact.not_offered ?? []).map((missing) => (missing.reason ? h('p', { class: 'hint' }, missing.reason) : null)),
    form,
  ];
}

function languagesList(codes) {
  return list(codes.map(languageName));
}

async function sendRequest(form, { description, submit, group }) {
  clearErrors(form);
  const text = description.value.trim();
  if (!s.channel) return showFieldError(group, t('contact.channel_required')), focus(group);
  if (!text) return showFieldError(description, t('contact.description_required')), description.focus();

  const request = { channel: s.channel, description: text, lang: lang() };
  const [orderId] = (s.answeredAbout ?? '').split('|');
  if (s.answer?.conversation_id) request.conversation_id = s.answer.conversation_id;
  if (orderId) request.order_id = orderId;
  request.topic = topicOf(s.answer);

  // One key per request: a second click (or a retry after a network error)
  // sends the same key and gets the same case; a changed request gets a new key.
  const body = JSON.stringify(request);
  if (s.pending?.body !== body) s.pending = { body, key: newIdempotencyKey() };

  s.sending = true;
  submit.disabled = true;
  submit.textContent = t('contact.sending');
  try {
    const created = await openCase(request, s.pending.key);
    forgetHelp();
    navigate(`/cases/${encodeURIComponent(created.id)}`);
  } catch (err) {
    s.sending = false;
    submit.disabled = false;
    submit.textContent = t('contact.send');
    if (err.status === 409 && Array.isArray(err.problem?.options)) {
      // The channel closed meanwhile: show what is open now.
      s.contact = { ...s.contact, options: err.problem.options };
      draw('contact-title');
      showError(err, view.querySelector('#contact form'));
      return;
    }
    showError(err, form, { description, channel: group, topic: description, conversation_id: description, order_id: description });
  }
}

/** Opens the case; a `409` "still in progress" for the same key is waited out briefly. */
async function openCase(request, key) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await Api.openCase(request, key);
    } catch (err) {
      const inFlight = err.status === 409 && !Array.isArray(err.problem?.options);
      if (!inFlight || attempt >= 4) throw err;
      await new Promise((resolve) => setTimeout(resolve, 400 * (attempt + 1)));
    }
  }
}
