// The default room as the API returns it, for the stacks that answer with a constant instead of a store.
export const room = {
  id: 1,
  title: 'Public Chat',
  description: 'This is the default chat, available to everyone!',
  visibility: 'public',
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  users: [],
};
export const roomPage = { rooms: [room], next_cursor: null };
