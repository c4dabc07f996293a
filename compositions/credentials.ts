// Generated credentials: random values from a source the edge injects, drawn from an alphabet every
// consumer accepts (MySQL, Redis, ClickHouse, MinIO's config.env, URLs), never regenerated once a
// value is observed.

/** Returns `length` random bytes. The edge passes crypto.randomBytes; tests pass a seeded source. */
export type RandomSource = (length: number) => Uint8Array;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Bytes at or above this are skipped, so every character is equally likely (no modulo bias).
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

/** 32 characters of 62 symbols: about 190 bits. */
export const PASSWORD_LENGTH = 32;

export function generatePassword(random: RandomSource, length = PASSWORD_LENGTH): string {
  let password = '';
  while (password.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < UNBIASED_LIMIT) password += ALPHABET[byte % ALPHABET.length];
      if (password.length === length) break;
    }
  }
  return password;
}

/** An observed credential always wins over a new one, whatever it contains, as long as it is set. */
export const isSet = (value: string | undefined): value is string => value !== undefined && value.length > 0;

export const encodeData = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export function decodeData(data: unknown, key: string): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}
