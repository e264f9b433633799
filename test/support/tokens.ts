/**
 * Tokens whose payload is not JSON (`notjson`), with header {"alg":"HS256","typ":"JWT"} and {"alg":"HS256"}:
 * decoding them throws in jsonwebtoken (the first) and in jws (both), which once made a 500 of a 403.
 */
export const NOT_JSON_JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.bm90anNvbg.x';
export const NOT_JSON_JWS = 'eyJhbGciOiJIUzI1NiJ9.bm90anNvbg.x';
