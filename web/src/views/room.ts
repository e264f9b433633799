import { unwrap, type Room } from '@chitchat/client';
import { isNonPublicVisibility, validateJoinRequest, validateSendRequest } from 'virtual:chitchat-contract';
import { api, problemOf, type Problem } from '../api.js';
import { RoomSession, type ChatMessage, type RoomUser, type SessionEnd, type SessionState } from '../chat/session.js';
import { announce, h, replace } from '../dom.js';
import { colourSelect, field, showProblem, swatch } from '../fields.js';
import { remembered } from '../remembered.js';
import { checkAgainst } from '../rules.js';

/** A room by id or title: its entrance, then the chat. Returns what ends it when the page moves on. */
export function renderRoom(main: HTMLElement, key: string): () => void {
  let session: RoomSession | undefined;
  let gone = false;
  const heading = h('h1', { attrs: { tabindex: '-1' } }, 'Entering…');
  replace(main, heading);
  heading.focus();

  api
    .GET('/chats/{roomId}', { params: { path: { roomId: key } } })
    .then(unwrap)
    .then(
      (room) => {
        if (!gone) showEntrance(room);
      },
      (err: unknown) => {
        if (gone) return;
        heading.textContent = 'Room not found';
        replace(main, heading, h('p', {}, problemOf(err).sentence), h('p', {}, h('a', { attrs: { href: '#/' } }, 'Back to the rooms')));
        heading.focus();
      },
    );

  function showEntrance(room: Room, notice?: string): void {
    document.title = `${room.title} · ChitChat`;
    const needsPassword = isNonPublicVisibility({ visibility: room.visibility });
    const name = field('Your name', h('input', { attrs: { type: 'text', autocomplete: 'nickname', spellcheck: 'false' } }), 'Unique in the room while you are in it.');
    const colour = field('Your colour', colourSelect());
    const password = field('Room password', h('input', { attrs: { type: 'password', autocomplete: 'current-password' } }));
    name.control.value = remembered.name;
    if (remembered.colour) colour.control.value = remembered.colour;
    password.control.value = remembered.passwords.get(room.id) ?? '';
    remembered.passwords.delete(room.id);
    const formError = h('p', { class: 'form-error', attrs: { role: 'alert', hidden: !notice } }, notice);
    const submit = h('button', { attrs: { type: 'submit' } }, 'Enter the room');

    const form = h(
      'form',
      {
        class: 'card entrance',
        attrs: { novalidate: true, 'aria-labelledby': 'entrance-heading' },
        on: {
          submit: (event) => {
            event.preventDefault();
            formError.hidden = true;
            const problems = checkAgainst(validateJoinRequest, { event_type: 'join', name: name.control.value, color: colour.control.value });
            name.setError(problems.get('name'));
            colour.setError(problems.get('color'));
            password.setError(needsPassword && !password.control.value ? 'Required.' : undefined);
            const invalid = form.querySelector<HTMLElement>('[aria-invalid="true"]');
            if (invalid) return invalid.focus();
            submit.disabled = true;
            void enter(room, name.control.value, colour.control.value, needsPassword ? password.control.value : undefined)
              .catch((err: unknown) => {
                const problem = problemOf(err);
                showProblem(problem.sentence, problem.code === 304 ? password : problem.field === 'name' ? name : undefined, formError);
              })
              .finally(() => (submit.disabled = false));
          },
        },
      },
      h('h2', { attrs: { id: 'entrance-heading' } }, 'Enter'),
      formError,
      name.row,
      colour.row,
      needsPassword && password.row,
      submit,
    );
    heading.textContent = room.title;
    replace(main, heading, room.description && h('p', { class: 'room-description' }, room.description), form, h('p', {}, h('a', { attrs: { href: '#/' } }, 'Back to the rooms')));
    // A notice is an alert, read out on its own; the focus goes where the person types next.
    (name.control.value && needsPassword ? password.control : name.control).focus();
  }

  async function enter(room: Room, name: string, colour: string, password: string | undefined): Promise<void> {
    if (password !== undefined) await api.authorize(room.id, password, name);
    remembered.name = name;
    remembered.colour = colour;
    const view = chatView(room, name);
    const started = new RoomSession(room, name, colour, view.listener);
    await started.start();
    if (gone) return started.stop();
    session = started;
    view.show(started, () => {
      session = undefined;
      api.forgetToken(room.id);
      location.hash = '#/';
    });
  }

  function chatView(room: Room, me: string) {
    const log = h('ol', { class: 'messages' });
    const older = h('button', { class: 'older', attrs: { type: 'button', hidden: true } }, 'Show earlier messages');
    const scroller = h('div', { class: 'log', attrs: { role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages', tabindex: '0' } }, older, log);
    const userList = h('ul', { class: 'users' });
    const usersHeading = h('h2', { attrs: { id: 'users-heading' } }, 'Here now');
    const state = h('p', { class: 'connection', attrs: { role: 'status' } }, 'Connecting…');
    const input = h('input', { attrs: { type: 'text', autocomplete: 'off', enterkeyhint: 'send' } });
    const message = field('Your message', input);
    const send = h('button', { attrs: { type: 'submit' } }, 'Send');
    const composer = h('form', { class: 'composer', attrs: { novalidate: true } }, message.row, send);
    const leave = h('button', { class: 'secondary', attrs: { type: 'button' } }, 'Leave the room');
    const refusal = h('p', { class: 'form-error', attrs: { role: 'alert', hidden: true } });

    const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    const stickToBottom = (run: () => void) => {
      const stick = atBottom();
      run();
      if (stick) scroller.scrollTop = scroller.scrollHeight;
    };
    const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

    function messageItem(m: ChatMessage): HTMLElement {
      const item = h(
        'li',
        { class: m.name === me ? 'message mine' : 'message', attrs: { 'data-seq': String(m.seq) } },
        h('span', { class: 'who' }, swatch(m.color), h('span', { class: 'name' }, m.name)),
        h('time', { attrs: { datetime: m.time } }, time(m.time)),
        h('p', { class: 'text' }, m.msg),
      );
      return item;
    }

    /** In seq order: a message that fills a gap goes in its place. */
    function insert(m: ChatMessage): void {
      const item = messageItem(m);
      let before: Element | null = null;
      for (let node = log.lastElementChild; node; node = node.previousElementSibling) {
        const seq = node.getAttribute('data-seq');
        if (seq !== null && Number(seq) < m.seq) break;
        if (seq !== null) before = node;
      }
      log.insertBefore(item, before);
    }

    function notice(text: string, colour: string, at: string): void {
      stickToBottom(() => log.append(h('li', { class: 'notice' }, swatch(colour), h('span', {}, text), h('time', { attrs: { datetime: at } }, time(at)))));
    }

    function showUsers(users: RoomUser[]): void {
      const sorted = [...users].sort((a, b) => a.username.localeCompare(b.username));
      usersHeading.textContent = `Here now (${sorted.length})`;
      replace(userList, ...sorted.map((u) => h('li', {}, swatch(u.color), u.username === me ? `${u.username} (you)` : u.username)));
    }

    const STATES: Record<SessionState, string> = { connecting: 'Connecting…', live: 'Connected.', reconnecting: 'Connection lost: reconnecting…' };

    const listener = {
      messages: (messages: ChatMessage[]) => stickToBottom(() => messages.forEach(insert)),
      older(messages: ChatMessage[], more: boolean) {
        scroller.setAttribute('aria-busy', 'true');
        const from = scroller.scrollHeight - scroller.scrollTop;
        for (const m of messages) insert(m);
        scroller.scrollTop = scroller.scrollHeight - from;
        older.hidden = !more;
        scroller.removeAttribute('aria-busy');
      },
      arrival: (name: string, colour: string, at: string) => notice(`${name} entered the room.`, colour, at),
      departure: (name: string, colour: string, at: string) => notice(`${name} left the room.`, colour, at),
      users: showUsers,
      state(s: SessionState, retryInMs?: number) {
        state.textContent = retryInMs ? `Connection lost: reconnecting in ${Math.ceil(retryInMs / 1000)} s…` : STATES[s];
        state.className = `connection ${s}`;
        send.disabled = s !== 'live';
      },
      refused(problem: Problem) {
        refusal.textContent = problem.sentence;
        refusal.hidden = false;
      },
      ended(why: SessionEnd) {
        session = undefined;
        if (why === 'revoked') {
          api.forgetToken(room.id);
          return showEntrance(room, 'The room’s password was changed, or your pass ran out: enter the password again.');
        }
        const text = why === 'deleted' ? 'This room was deleted. Its messages are gone.' : 'You left the room.';
        composer.hidden = true;
        leave.hidden = true;
        state.textContent = '';
        if (why === 'deleted') showUsers([]);
        const ended = h('div', { class: 'ended', attrs: { role: 'alert' } }, h('p', {}, text), h('p', {}, h('a', { attrs: { href: '#/' } }, 'Back to the rooms')));
        composer.after(ended);
        (ended.querySelector('a') as HTMLElement).focus();
        announce(text);
      },
    };

    return {
      listener,
      show(running: RoomSession, onLeave: () => void) {
        older.hidden = !running.canLoadOlder;
        const loadOlder = () => {
          if (older.hidden || older.disabled) return;
          older.disabled = true;
          running.loadOlder().finally(() => (older.disabled = false));
        };
        older.addEventListener('click', loadOlder);
        // Scrolling to the top loads the page before, as the button does.
        new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadOlder(), { root: scroller }).observe(older);
        composer.addEventListener('submit', (event) => {
          event.preventDefault();
          refusal.hidden = true;
          const problem = checkAgainst(validateSendRequest, { event_type: 'send', name: me, msg: input.value }).get('msg');
          message.setError(input.value ? problem : undefined);
          if (!input.value || problem) return;
          running.send(input.value);
          input.value = '';
        });
        leave.addEventListener('click', () => void running.leave().finally(onLeave));
        heading.textContent = room.title;
        replace(
          main,
          h(
            'div',
            { class: 'room' },
            h('header', { class: 'room-header' }, heading, room.description && h('p', { class: 'room-description' }, room.description), state, leave),
            h('div', { class: 'conversation' }, scroller, refusal, composer),
            h('aside', { class: 'people', attrs: { 'aria-labelledby': 'users-heading' } }, usersHeading, userList),
          ),
        );
        scroller.scrollTop = scroller.scrollHeight;
        input.focus();
        announce(`You are in ${room.title}.`);
      },
    };
  }

  return () => {
    gone = true;
    session?.stop();
  };
}
