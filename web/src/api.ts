import { ChitChatError, createChitChatClient } from '@chitchat/client';
import { sentences } from 'virtual:chitchat-contract';

/**
 * Where the API is: the page's own folder, since the page is the API's `/`. The service may be mounted
 * under a path of the host's (https://example.org/chat/), so the origin alone is not enough.
 */
export const apiBase = new URL('.', location.href).href.replace(/\/$/, '');

/** One client for the page: it remembers the room tokens it is given and sends them with later calls. */
export const api = createChitChatClient({ baseUrl: apiBase });

export interface Problem {
  sentence: string;
  code?: number;
  field?: string;
}

/** An error as a sentence for a person: the catalog's, from the spec, for an error the server sent. */
export function problemOf(err: unknown): Problem {
  if (err instanceof ChitChatError) return { sentence: sentenceFor(err.code), code: err.code, field: err.field };
  if (err instanceof TypeError) return { sentence: 'Cannot reach the chat server. Check your connection and try again.' };
  return { sentence: 'Something unexpected happened. Try again.' };
}

export function sentenceFor(code: number): string {
  return sentences[String(code)] ?? `Error ${code}.`;
}
