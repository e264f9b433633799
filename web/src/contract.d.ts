/** The build-time module of contract-plugin.ts: validators and data from the bundled documents. */
declare module 'virtual:chitchat-contract' {
  export interface SchemaError {
    instancePath: string;
    keyword: string;
    params: Record<string, unknown>;
    message?: string;
  }
  export interface Validator {
    (data: unknown): boolean;
    errors?: SchemaError[] | null;
  }
  /** openapi.yaml's RoomCreate. */
  export const validateRoomCreate: Validator;
  /** asyncapi.yaml's join frame. */
  export const validateJoinRequest: Validator;
  /** asyncapi.yaml's send frame. */
  export const validateSendRequest: Validator;
  /** Whether `{ visibility }` is a visibility whose rooms have a password. */
  export const isNonPublicVisibility: Validator;
  /** The catalog's sentence for people, by error code. */
  export const sentences: Record<string, string>;
  export const closeCodes: Record<'roomDeleted' | 'tokenRevoked' | 'frameTooLarge' | 'slowReader' | 'shuttingDown', { code: number; reason: string; description: string }>;
  export const apiVersion: string;
}
