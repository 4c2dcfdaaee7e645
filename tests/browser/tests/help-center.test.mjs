// The help-center page in headless Chromium against the app on the
// project's host: the walks of DESIGN.md's support flow in English, Italian
// and Chinese, the seller answering, the agent resolving, a wrong password
// and the API down. axe-core runs on every screen; each screen is saved in
// target/screenshots/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, apiAs } from '../lib/app.mjs';
import { launch, newPage, screen, STRINGS } from '../lib/browser.mjs';

let app;
let browser;

before(async () => {
  [app, browser] = await Promise.all([startApp(), launch()]);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

const fill = (text, params) => text.replace(/\{(\w+)\}/g, (_, name) => params[name]);

async function signIn(page, strings, email) {
  await page.getByLabel(strings['signin.email'], { exact: true }).fill(email);
  await page.getByLabel(strings['signin.password'], { exact: true }).fill('demo');
  await page.getByRole('button', { name: strings['signin.submit'], exact: true }).click();
  await page.locator('#sign-out').waitFor();
}

/**
 * Asks `question` and waits for its answer. The answer is held back until the
 * page shows it is asking, with no earlier answer left to rate or act on.
 */
async function ask(page, strings, question) {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route('**/api/answers', async (route) => (await held, route.continue()), { times: 1 });
  await page.getByLabel(strings['ask.question'], { exact: true }).fill(question);
  await page.getByRole('button', { name: strings['ask.submit'], exact: true }).click();
  await page.getByRole('button', { name: strings['ask.asking'], exact: true }).waitFor();
  assert.equal(await page.locator('#answer, #contact').count(), 0, 'no earlier answer is shown while the new one is on its way');
  release();
  await page.locator('#answer-title').waitFor();
  const sources = await page.locator('#answer .sources li').count();
  assert.ok(sources >= 1, 'the answer names its sources');
}

/** Opens the contact options under the answer; returns the channels offered, in order. */
async function talkToTheTeam(page, strings) {
  await page.getByRole('button', { name: strings['contact.open'], exact: true }).click();
  await page.locator('#contact .options li').first().waitFor();
  const channels = await page.locator('#contact .options li').evaluateAll((items) => items.map((li) => li.dataset.channel));
  const first = page.locator('#contact .options li').first();
  assert.match((await first.getAttribute('class')) ?? '', /recommended/, 'the recommended option comes first');
  assert.ok(await page.locator('#recommendation-reason').isVisible(), 'the reason for the recommendation is shown');
  return channels;
}

/** Sends the request by `channel` with a double click; returns the new case's id once the case is shown. */
async function sendRequest(page, strings, channel, description) {
  await page.locator(`#channel-${channel}`).check();
  await page.getByLabel(strings['contact.description'], { exact: true }).fill(description);
  await page.locator('#send-request').dblclick();
  await page.waitForURL(/\/cases\/[^/]+$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  await page.getByRole('heading', { level: 1, name: fill(strings['case.title'], { id }) }).waitFor();
  // The heading is there while the case loads; its messages come with the rest of it.
  await page.locator('#messages-title').waitFor();
  return id;
}

async function writeMessage(page, strings, label, text) {
  await page.getByLabel(label, { exact: true }).fill(text);
  await page.getByRole('button', { name: strings['case.send'], exact: true }).click();
  await page.locator('#messages li', { hasText: text }).waitFor();
}

/** The caller's cases, asked with the page's own cookie. */
function myCases(page) {
  return page.evaluate(() => fetch('/api/cases').then((r) => r.json()));
}

async function noHorizontalScroll(page) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  assert.ok(scroll <= width, `the page is ${scroll}px wide in a ${width}px window`);
}

test("Anna's walk in English: sign in, a general question, a question about an order, the team, a chat case", async () => {
  const en = STRINGS.en;
  const page = await newPage(browser, { locale: 'en-GB' });
  await page.goto(`${app.base}/`);
  await page.getByRole('heading', { level: 1, name: en['help.title'] }).waitFor();
  // Anna's own language is Italian: choosing English here keeps the page in English.
  await page.selectOption('#lang-switcher', 'en');
  await screen(page, 'en-01-sign-in');
  await signIn(page, en, 'anna@example.com');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');

  await ask(page, en, 'Which payment methods can I use?');
  await screen(page, 'en-02-general-answer');

  await page.getByLabel(en['ask.about_order'], { exact: true }).check();
  await page.getByLabel(en['ask.order'], { exact: true }).selectOption('ord-K8D5V');
  assert.match(await page.locator('#ask-order-facts').innerText(), /€/, 'the order total is formatted as money');
  await ask(page, en, 'My tiles have still not arrived. Where is my parcel?');
  await page.getByRole('button', { name: en['feedback.no'], exact: true }).click();
  await page.locator('#feedback-thanks').waitFor();
  await screen(page, 'en-03-order-answer');

  const channels = await talkToTheTeam(page, en);
  assert.ok(channels.includes('email') && channels.includes('chat'), `offered: ${channels}`);
  await screen(page, 'en-04-contact-options');

  const before = (await myCases(page)).cases.length;
  const id = await sendRequest(page, en, 'chat', 'The tiles are six days late and the tracking has not moved.');
  const after = (await myCases(page)).cases;
  assert.equal(after.length, before + 1, 'a double click opens one case');
  assert.ok(after.some((c) => c.id === id && c.channel === 'chat' && c.order_id === 'ord-K8D5V'));
  assert.ok(await page.getByText(en['case.chat_live']).isVisible());

  await writeMessage(page, en, en['case.your_message'], 'Hello, is anyone there? My tiles are late.');
  // The team answers in the chat: the open page shows it without a reload (it polls).
  const agent = await apiAs(app.base, 'agent@example.com');
  const answer = 'Hi Anna, I am checking with the carrier now.';
  await agent('POST', `/api/cases/${encodeURIComponent(id)}/messages`, { body: answer });
  await page.locator('#messages li', { hasText: answer }).waitFor({ timeout: 10_000 });
  assert.match(await page.locator('#messages li', { hasText: answer }).innerText(), new RegExp(en['case.from.agent']));
  await screen(page, 'en-05-case-chat');

  await page.getByRole('link', { name: en['nav.cases'], exact: true }).click();
  await page.locator(`#case-list li[data-case="${id}"]`).waitFor();
  await screen(page, 'en-06-my-cases');
  assert.deepEqual(page.errors, []);
});

test("Anna's walk in Italian: her profile's language, a recently viewed item, phone offered", async () => {
  const { en, it } = STRINGS;
  // An English browser: the page starts in English and turns Italian once Anna (lang: it) signs in.
  const page = await newPage(browser, { locale: 'en-GB' });
  await page.goto(`${app.base}/`);
  await page.getByRole('heading', { level: 1, name: en['help.title'] }).waitFor();
  await signIn(page, en, 'anna@example.com');
  await page.getByRole('heading', { level: 1, name: it['help.title'] }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'it');
  assert.equal(await page.locator('#lang-switcher').inputValue(), 'it');
  // The heading turns Italian at once; the question form follows once her orders and items are in.
  await page.getByRole('heading', { name: it['ask.title'], exact: true }).waitFor();
  await screen(page, 'it-01-signed-in');

  await page.getByLabel(it['ask.about_item'], { exact: true }).check();
  await page.getByLabel(it['ask.item'], { exact: true }).selectOption({ index: 1 });
  await ask(page, it, 'Questo oggetto è ancora disponibile e quanto costa la spedizione?');
  assert.ok(await page.getByRole('heading', { name: it['answer.title'], exact: true }).isVisible());
  assert.ok(await page.getByText(it['feedback.question']).isVisible());
  await screen(page, 'it-02-answer');

  const channels = await talkToTheTeam(page, it);
  assert.ok(channels.includes('phone'), `phone is offered in Italian: ${channels}`);
  assert.ok(await page.getByText(it['contact.no_direct_address']).isVisible());
  await screen(page, 'it-03-contact-options');

  const id = await sendRequest(page, it, 'chat', 'Vorrei sapere se il venditore spedisce anche in Olanda.');
  assert.ok(await page.getByRole('heading', { name: it['case.messages'], exact: true }).isVisible());
  await writeMessage(page, it, it['case.your_message'], 'Buongiorno, aspetto una risposta in chat.');
  assert.ok(await page.getByText(fill(it['case.title'], { id })).first().isVisible());
  await screen(page, 'it-04-case-chat');
  assert.deepEqual(page.errors, []);
});

test("Anna's walk in Chinese on a 360 px phone: strings in Chinese, phone never offered", async () => {
  const zh = STRINGS.zh;
  const page = await newPage(browser, { locale: 'zh-CN', width: 360, height: 780 });
  await page.goto(`${app.base}/`);
  await page.getByRole('heading', { level: 1, name: zh['help.title'] }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh');
  // Chosen here, Chinese stays after sign-in although Anna's profile says Italian.
  await page.selectOption('#lang-switcher', 'zh');
  await noHorizontalScroll(page);
  await screen(page, 'zh-01-sign-in');
  await signIn(page, zh, 'anna@example.com');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh');

  await page.getByLabel(zh['ask.about_order'], { exact: true }).check();
  await page.getByLabel(zh['ask.order'], { exact: true }).selectOption('ord-T5WQ2');
  await ask(page, zh, '我的包裹现在在哪里？');
  await noHorizontalScroll(page);
  await screen(page, 'zh-02-answer');

  const channels = await talkToTheTeam(page, zh);
  assert.ok(!channels.includes('phone'), `phone is never offered in Chinese: ${channels}`);
  assert.equal(await page.locator('#channel-phone').count(), 0);
  await noHorizontalScroll(page);
  await screen(page, 'zh-03-contact-options');

  const channel = (await page.locator('#channel-chat').isEnabled()) ? 'chat' : 'email';
  const id = await sendRequest(page, zh, channel, '包裹已经发货，但是物流信息一直没有更新。');
  await writeMessage(page, zh, zh['case.your_message'], '你好，请问我的包裹什么时候能到？');
  assert.ok(await page.getByText(fill(zh['case.title'], { id })).first().isVisible());
  await noHorizontalScroll(page);
  await screen(page, 'zh-04-case');
  assert.deepEqual(page.errors, []);
});

/** Anna opens a case about `orderId` through the API, as the page would. */
async function annaOpensCase(orderId, question, channel) {
  const anna = await apiAs(app.base, 'anna@example.com');
  const answer = await anna('POST', '/api/answers', { question, order_id: orderId, lang: 'en' });
  const topic = answer.topic ?? 'item-not-received';
  const created = await anna(
    'POST',
    '/api/cases',
    { conversation_id: answer.conversation_id, order_id: orderId, topic, channel, description: question, lang: 'en' },
    { 'idempotency-key': `browser-test-${orderId}-${channel}` },
  );
  return { anna, id: created.id, topic };
}

test("a closed channel says when it opens, in the user's language and time zone", async () => {
  const it = STRINGS.it;
  const page = await newPage(browser, { locale: 'it-IT', timezoneId: 'America/New_York' });
  // The pinned clock keeps every channel open: close chat in the API's answer to see how the page tells it.
  const opensAt = '2026-11-25T08:00:00+01:00';
  const asked = [];
  await page.route('**/api/contact-options?*', async (route) => {
    asked.push(new URL(route.request().url()).searchParams.get('tz'));
    const response = await route.fetch();
    const body = await response.json();
    for (const option of body.options) {
      if (option.channel === 'chat') Object.assign(option, { available: false, recommended: false, next_available_at: opensAt, estimated_wait_minutes: null });
    }
    await route.fulfill({ response, json: body });
  });
  await page.goto(`${app.base}/`);
  await signIn(page, it, 'anna@example.com');
  await ask(page, it, 'Come posso cambiare il mio indirizzo di consegna?');
  await talkToTheTeam(page, it);
  assert.deepEqual(asked, ['America/New_York'], 'the page asks with its time zone');
  assert.ok(await page.locator('#channel-chat').isDisabled(), 'a closed channel cannot be picked');
  const when = new Intl.DateTimeFormat('it-IT', { weekday: 'long', day: 'numeric', month: 'long', hour: 'numeric', minute: '2-digit', timeZone: 'America/New_York' }).format(new Date(opensAt));
  assert.equal(await page.locator('#channel-chat-status').innerText(), fill(it['contact.opens_at'], { when }));
  await screen(page, 'it-05-chat-closed');
  assert.deepEqual(page.errors, []);
});

test('a phone case: the callback number is checked next to the field, then the call is booked', async () => {
  const it = STRINGS.it;
  const { id } = await annaOpensCase('ord-B9R4L', 'The serving board has a crack along the grain.', 'phone');
  const page = await newPage(browser, { locale: 'it-IT' });
  await page.goto(`${app.base}/`);
  await signIn(page, it, 'anna@example.com');
  await page.goto(`${app.base}/cases/${encodeURIComponent(id)}`);
  const phone = page.getByLabel(it['callback.phone'], { exact: true });
  await phone.fill('0612345678');
  await page.getByRole('button', { name: it['callback.submit'], exact: true }).click();
  await page.locator('input[name=phone][aria-invalid=true]').waitFor();
  assert.equal(await page.locator(`#${await phone.getAttribute('id')}-error`).innerText(), it['callback.phone_invalid']);
  await screen(page, 'it-06-callback-invalid');
  await phone.fill('+39 312 345 6789');
  await page.getByRole('button', { name: it['callback.submit'], exact: true }).click();
  await page.locator('#callback-booked').waitFor();
  assert.match(await page.locator('#callback-booked').innerText(), /\+393123456789/);
  await screen(page, 'it-07-callback-booked');
  assert.deepEqual(page.errors, []);
});

test('the seller answers a case about their order', async () => {
  const en = STRINGS.en;
  const { anna, id } = await annaOpensCase('ord-T5WQ2', 'The espresso cups arrived chipped. What can I do?', 'email');
  const page = await newPage(browser, { locale: 'en-GB' });
  await page.goto(`${app.base}/`);
  await page.selectOption('#lang-switcher', 'en');
  await signIn(page, en, 'studio.rossi@example.com');
  await page.getByRole('link', { name: en['nav.seller_cases'], exact: true }).click();
  await page.locator(`#case-list li[data-case="${id}"]`).waitFor();
  await screen(page, 'seller-01-cases');
  await page.locator(`#case-list li[data-case="${id}"] a`).click();
  const reply = 'Sorry about the cups, Anna: I will send a new set today.';
  await writeMessage(page, en, en['case.your_message'], reply);
  await screen(page, 'seller-02-case');
  const { messages } = await anna('GET', `/api/cases/${encodeURIComponent(id)}/messages?after=0`);
  assert.ok(messages.some((m) => m.author_role === 'seller' && m.body === reply), 'Anna sees the seller\'s answer');
  assert.deepEqual(page.errors, []);
});

test('the agent goes online, picks the case from the queue and resolves it with a partial refund', async () => {
  const en = STRINGS.en;
  const { anna, id, topic } = await annaOpensCase('ord-M3X8D', 'The cushion covers are a different colour from the photos.', 'chat');
  const page = await newPage(browser, { locale: 'en-GB' });
  await page.goto(`${app.base}/`);
  await page.selectOption('#lang-switcher', 'en');
  await signIn(page, en, 'agent@example.com');
  await page.getByRole('link', { name: en['nav.agent'], exact: true }).click();
  await page.locator('#presence-toggle').click();
  await page.getByText(en['presence.online']).waitFor();
  await page.locator(`#queue-list li[data-case="${id}"]`).waitFor();
  const row = page.locator(`#queue-list li[data-case="${id}"]`);
  assert.deepEqual(
    [await row.locator('.case-lang').innerText(), await row.locator('.case-topic').innerText()],
    ['English', topic],
    'a queued case says its language and topic',
  );
  // Every case here opened at the pinned clock's time: none has waited an hour.
  await page.selectOption('#queue-min_age_minutes', '60');
  await page.getByText(en['queue.empty']).waitFor();
  assert.equal(await page.locator('#queue-min_age_minutes option:checked').innerText(), fill(en['queue.age_at_least'], { age: '1 hour' }));
  await page.selectOption('#queue-min_age_minutes', '');
  await page.locator(`#queue-list li[data-case="${id}"]`).waitFor();
  // How the answers did: the question Anna asked before opening her case is counted.
  await page.locator('#report-table').waitFor();
  const questions = await page.locator('#report-table tbody td.number:nth-child(3)').allTextContents();
  assert.ok(questions.reduce((sum, n) => sum + Number(n), 0) >= 1, `the report counts Anna's question: ${questions}`);
  await screen(page, 'agent-01-console');

  await page.locator(`#queue-list li[data-case="${id}"] a`).click();
  await writeMessage(page, en, en['case.reply_agent'], 'Thank you, Anna. I am looking at the photos now.');
  await page.getByLabel(en['resolution.kind.partial_refund'], { exact: true }).check();
  await page.getByLabel(fill(en['resolution.amount'], { currency: 'EUR' }), { exact: true }).fill('5');
  await page.getByLabel(en['resolution.summary'], { exact: true }).fill('The colour differs from the listing: you get EUR 5.00 back.');
  await screen(page, 'agent-02-resolution-form');
  await page.getByRole('button', { name: en['resolution.submit'], exact: true }).click();
  await page.locator('#outcome').waitFor();
  assert.equal(await page.locator('#outcome a').getAttribute('href'), 'https://www.acm.nl/');
  await screen(page, 'agent-03-resolved');

  const resolved = await anna('GET', `/api/cases/${encodeURIComponent(id)}`);
  assert.equal(resolved.status, 'resolved');
  assert.deepEqual(resolved.resolution.actions, [{ type: 'partial_refund', amount: { amount: 500, currency: 'EUR' } }]);
  assert.deepEqual(page.errors, []);
});

test('a buyer with more cases than a page sees the newest first, then the older ones on demand', async () => {
  const en = STRINGS.en;
  const marco = await apiAs(app.base, 'marco@example.com');
  for (let n = 1; n <= 101; n++) {
    await marco('POST', '/api/cases', { topic: 'fees', channel: 'email', description: `Question ${n}`, lang: 'en' }, { 'idempotency-key': `browser-test-page-${n}` });
  }
  const page = await newPage(browser, { locale: 'en-GB' });
  await page.goto(`${app.base}/`);
  await page.selectOption('#lang-switcher', 'en');
  await signIn(page, en, 'marco@example.com');
  await page.getByRole('link', { name: en['nav.cases'], exact: true }).click();
  const older = page.getByRole('button', { name: en['cases.older'], exact: true });
  await older.waitFor();
  assert.equal(await page.locator('#case-list li').count(), 100);
  await older.click();
  await page.locator('#case-list li').nth(100).waitFor();
  assert.equal(await older.count(), 0, 'no button after the last page');
  const shown = await page.locator('#case-list li').evaluateAll((items) => items.map((li) => li.dataset.case));
  assert.equal(new Set(shown).size, 101, 'each case once');
  await screen(page, 'buyer-older-cases');
  assert.deepEqual(page.errors, []);
});

test('a wrong password is said next to the password field, by keyboard alone', async () => {
  const en = STRINGS.en;
  const page = await newPage(browser, { locale: 'en-GB' });
  await page.goto(`${app.base}/`);
  await page.getByRole('heading', { level: 1, name: en['help.title'] }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip', 'the first stop is the skip link');
  await page.locator('input[name=email]').focus();
  await page.keyboard.type('anna@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('not-her-password');
  await page.keyboard.press('Enter');
  const password = page.locator('input[name=password]');
  await page.locator('input[name=password][aria-invalid=true]').waitFor();
  const errorId = `${await password.getAttribute('id')}-error`;
  assert.equal(await page.locator(`#${errorId}`).innerText(), en['signin.wrong']);
  assert.ok((await password.getAttribute('aria-describedby')).split(' ').includes(errorId), 'the error describes the field');
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'password', 'focus is on the field to fix');
  await screen(page, 'sign-in-wrong-password');
  assert.deepEqual(page.errors, []);
});

test('with the API down, the page says so instead of going blank', async () => {
  const en = STRINGS.en;
  const page = await newPage(browser, { locale: 'en-GB' });
  await page.route('**/api/**', (route) => route.abort('connectionfailed'));
  await page.goto(`${app.base}/`);
  await page.locator('#api-banner').waitFor({ state: 'visible' });
  assert.match(await page.locator('#api-banner').innerText(), new RegExp(en['error.unreachable_title'].replace(/[.?]/g, '\\$&')));
  assert.ok(await page.getByRole('heading', { level: 1, name: en['help.title'] }).isVisible(), 'the page is there');
  await page.getByLabel(en['signin.email'], { exact: true }).fill('anna@example.com');
  await page.getByLabel(en['signin.password'], { exact: true }).fill('demo');
  await page.getByRole('button', { name: en['signin.submit'], exact: true }).click();
  await page.locator('.form-error', { hasText: en['error.unreachable'] }).waitFor();
  await screen(page, 'api-down');
  assert.deepEqual(page.errors, []);
});
