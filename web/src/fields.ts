import { h, uid } from './dom.js';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export interface Field<C extends Control = Control> {
  row: HTMLElement;
  control: C;
  /** Shows (or clears) the problem under the field, tied to it for screen readers. */
  setError(message: string | undefined): void;
}

/** A labelled control with its hint and its error line. */
export function field<C extends Control>(label: string, control: C, hint?: string): Field<C> {
  control.id ||= uid('field');
  const hintId = uid('hint');
  const errorId = uid('error');
  const error = h('p', { class: 'field-error', attrs: { id: errorId, hidden: true } });
  control.setAttribute('aria-describedby', hint ? `${hintId} ${errorId}` : errorId);
  const row = h('div', { class: 'field' }, h('label', { attrs: { for: control.id } }, label), control, hint && h('p', { class: 'hint', attrs: { id: hintId } }, hint), error);
  return {
    row,
    control,
    setError(message) {
      error.textContent = message ?? '';
      error.hidden = !message;
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

/** The colours ChitChat's own client offered, by CSS name. */
export const COLOURS = ['purple', 'blue', 'red', 'green', 'gray', 'turquoise', 'indigo', 'magenta', 'black', 'yellow', 'orange'];

export function colourSelect(): HTMLSelectElement {
  return h('select', {}, ...COLOURS.map((c) => h('option', { attrs: { value: c } }, c)));
}

/** A colour a chatter chose, as a swatch; a value that is no CSS colour is simply not painted. */
export function swatch(colour: string): HTMLElement {
  const dot = h('span', { class: 'swatch', attrs: { 'aria-hidden': 'true' } });
  dot.style.backgroundColor = colour;
  return dot;
}

/** A refusal shown where it belongs: under its field when there is one, else above the form. */
export function showProblem(sentence: string, target: Field | undefined, formError: HTMLElement): void {
  if (target) {
    target.setError(sentence);
    target.control.focus();
  } else {
    formError.textContent = sentence;
    formError.hidden = false;
  }
}
