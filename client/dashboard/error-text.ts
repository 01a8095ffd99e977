/**
 * What a presenter reads when something fails: the server's own code and message when it
 * answered, and "server unreachable" (not the browser's "Failed to fetch") when it did not.
 */
import { ServerError } from '../lib/errors.ts';
import { UnreachableError } from './api.ts';
import { t } from './i18n.ts';

/** Whether the request never reached a server: fetch's TypeError, or the page's own wrapper. */
export function isUnreachable(err: unknown): boolean {
  return err instanceof UnreachableError || err instanceof TypeError;
}

/** Whether the server refused for want of the publish token. */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof ServerError && (err.status === 401 || err.code === 'UNAUTHORIZED');
}

export function errorText(err: unknown): string {
  if (isUnreachable(err)) return t('error.unreachable');
  if (isUnauthorized(err)) return t('error.unauthorized');
  if (err instanceof ServerError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
