import type { Room, RoomCreate } from '@chitchat/client';
import { isNonPublicVisibility, validateRoomCreate } from 'virtual:chitchat-contract';
import { api, problemOf } from '../api.js';
import { announce, h, replace } from '../dom.js';
import { field, showProblem } from '../fields.js';
import { checkAgainst } from '../rules.js';
import { roomLink } from '../links.js';
import { remembered } from '../remembered.js';

const PAGE = 20;

/** The rooms: enter one by id or title, browse the public ones, create one. */
export function renderHome(main: HTMLElement): () => void {
  const heading = h('h1', { attrs: { tabindex: '-1' } }, 'Chat rooms');
  replace(main, heading, enterSection(), listSection(), createSection());
  heading.focus();
  return () => undefined;
}

function enterSection(): HTMLElement {
  const input = h('input', { attrs: { type: 'text', autocomplete: 'off', spellcheck: 'false' } });
  const key = field('Room id or title', input, 'A number, or the room’s title in any case.');
  const form = h(
    'form',
    {
      class: 'card',
      attrs: { 'aria-labelledby': 'enter-heading' },
      on: {
        submit: (event) => {
          event.preventDefault();
          const value = input.value.trim();
          if (!value) return key.setError('Required.');
          location.hash = roomLink(value);
        },
      },
    },
    h('h2', { attrs: { id: 'enter-heading' } }, 'Enter a room'),
    key.row,
    h('button', { attrs: { type: 'submit' } }, 'Enter'),
  );
  return form;
}

function listSection(): HTMLElement {
  const list = h('ul', { class: 'rooms' });
  const more = h('button', { attrs: { type: 'button', hidden: true } }, 'Show more rooms');
  const status = h('p', { class: 'muted' }, 'Loading…');
  let cursor: string | undefined;

  async function load(): Promise<void> {
    more.disabled = true;
    const { data, error } = await api.GET('/chats', { params: { query: { limit: PAGE, ...(cursor ? { cursor } : {}) } } }).catch((err: unknown) => ({ data: undefined, error: err }));
    more.disabled = false;
    if (!data) {
      status.textContent = problemOf(error).sentence;
      return;
    }
    for (const room of data.rooms) list.append(roomItem(room));
    cursor = data.next_cursor ?? undefined;
    more.hidden = !cursor;
    status.textContent = list.childElementCount ? '' : 'No public rooms yet: create one.';
  }
  more.addEventListener('click', () => {
    void load().then(() => (list.lastElementChild?.querySelector('a') as HTMLElement | null)?.focus());
  });
  void load();
  return h('section', { class: 'card', attrs: { 'aria-labelledby': 'list-heading' } }, h('h2', { attrs: { id: 'list-heading' } }, 'Public rooms'), status, list, more);
}

function roomItem(room: Room): HTMLElement {
  const here = room.users.length === 0 ? 'nobody here' : room.users.length === 1 ? '1 person here' : `${room.users.length} people here`;
  return h(
    'li',
    {},
    h('a', { attrs: { href: roomLink(String(room.id)) } }, h('span', { class: 'room-title' }, room.title)),
    room.visibility !== 'public' && h('span', { class: 'badge' }, room.visibility),
    room.description && h('span', { class: 'room-description' }, room.description),
    h('span', { class: 'muted' }, here),
  );
}

const VISIBILITIES = [
  ['public', 'Public: anyone can enter; listed here.'],
  ['private', 'Private: a password to enter; listed here.'],
  ['hidden', 'Hidden: a password to enter; not listed, found by its title or link.'],
] as const;

function createSection(): HTMLElement {
  const title = field('Title', h('input', { attrs: { type: 'text', autocomplete: 'off' } }), '2 to 70 characters, unique; not only digits.');
  const description = field('Description (optional)', h('input', { attrs: { type: 'text', autocomplete: 'off' } }), 'At most 70 characters.');
  const visibility = field('Who can enter', h('select', {}, ...VISIBILITIES.map(([value, text]) => h('option', { attrs: { value } }, text))));
  const password = field('Password', h('input', { attrs: { type: 'password', autocomplete: 'new-password' } }), 'At least 8 characters. Everyone who enters needs it.');
  const formError = h('p', { class: 'form-error', attrs: { role: 'alert', hidden: true } });
  const fields = { title, description, visibility, password };
  const touched = new Set<string>();
  let submitted = false;

  const needsPassword = () => isNonPublicVisibility({ visibility: visibility.control.value });
  const body = (): RoomCreate => ({
    title: title.control.value,
    visibility: visibility.control.value as RoomCreate['visibility'],
    ...(description.control.value ? { description: description.control.value } : {}),
    ...(needsPassword() ? { password: password.control.value } : {}),
  });
  /** The spec's rules, as you type: each field once it was touched, all of them once submitted. */
  const check = (): boolean => {
    password.row.hidden = !needsPassword();
    const problems = checkAgainst(validateRoomCreate, body());
    for (const [name, f] of Object.entries(fields)) f.setError(submitted || touched.has(name) ? problems.get(name) : undefined);
    return problems.size === 0;
  };
  for (const [name, f] of Object.entries(fields)) {
    f.control.addEventListener('input', () => {
      touched.add(name);
      check();
    });
  }
  check();

  const submit = h('button', { attrs: { type: 'submit' } }, 'Create room');
  const form = h(
    'form',
    {
      class: 'card',
      attrs: { 'aria-labelledby': 'create-heading', novalidate: true },
      on: {
        submit: (event) => {
          event.preventDefault();
          submitted = true;
          formError.hidden = true;
          if (!check()) {
            (form.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
            return;
          }
          submit.disabled = true;
          const request = body();
          api
            .createRoom(request)
            .then((room) => {
              if (request.password) remembered.passwords.set(room.id, request.password);
              announce(`Room ${room.title} created.`);
              location.hash = roomLink(String(room.id));
            })
            .catch((err: unknown) => {
              const problem = problemOf(err);
              showProblem(problem.sentence, problem.field ? fields[problem.field as keyof typeof fields] : undefined, formError);
            })
            .finally(() => (submit.disabled = false));
        },
      },
    },
    h('h2', { attrs: { id: 'create-heading' } }, 'Create a room'),
    title.row,
    description.row,
    visibility.row,
    password.row,
    formError,
    submit,
  );
  return form;
}
