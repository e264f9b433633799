import './style.css';
import { roomKeyOf } from './links.js';
import { renderHome } from './views/home.js';
import { renderRoom } from './views/room.js';

/**
 * The chat page: `#/` lists and creates rooms, `#/room/<id or title>` enters one. Each view returns what
 * ends it (a socket to close, timers to stop) when the address changes.
 */
const main = document.getElementById('main')!;
let leaveView: () => void = () => undefined;

function route(): void {
  leaveView();
  const key = roomKeyOf(location.hash);
  document.title = 'ChitChat';
  leaveView = key === null ? renderHome(main) : renderRoom(main, key);
}

// The skip link moves the focus, not the address: the address names the view.
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', route);
route();
