// Building the page: elements and text nodes only, never innerHTML, so text
// from the API (answers, messages, names) is always shown as text.

/** An element with attributes (`on*` are listeners) and children. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'value') el.value = value;
    else if (name === 'checked' || name === 'selected') el[name] = Boolean(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

let counter = 0;
/** An id unique on this page, for label/control/error wiring. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * A labelled control with its hint and its error slot: the control is
 * described by both, so a screen reader reads the error with the field.
 */
export function field(label, control, hint) {
  const id = control.id || uid(control.name || 'field');
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  control.setAttribute('aria-describedby', [hintEl?.id, error.id].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: id }, label), hintEl, control, error);
}

/** Shows `message` next to `control` and marks it invalid. */
export function showFieldError(control, message, lang) {
  const error = document.getElementById(`${control.id}-error`);
  control.setAttribute('aria-invalid', 'true');
  if (!error) return;
  error.textContent = message;
  if (lang) error.setAttribute('lang', lang);
  else error.removeAttribute('lang');
  error.hidden = false;
}

/** Clears every field error and the form's own error. */
export function clearErrors(form) {
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  for (const error of form.querySelectorAll('.field-error, .form-error')) {
    error.textContent = '';
    error.hidden = true;
  }
}

/** The form-level error slot (announced when it appears). */
export function formError() {
  return h('div', { class: 'form-error notice notice-error', role: 'alert', hidden: true });
}

/** Focuses a heading or region that is not focusable by itself. */
export function focus(el) {
  if (!el) return;
  if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus();
}
