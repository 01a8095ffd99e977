/**
 * The server's publish token, when it has one (`PUBLISH_TOKEN`): publishing, the control routes
 * and the inspector answer 401 without it. The page asks for it once, when a call first gets
 * 401, and keeps it for the session (sessionStorage: gone when the tab closes, never in
 * localStorage or a URL of the page). HTTP calls send it as `Authorization: Bearer`; the lanes'
 * WebSocket sends it as `?token=`, where a browser cannot set headers.
 */
import { byId } from './dom.ts';

const KEY = 'pushrace.token';

function stored(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) || undefined;
  } catch {
    return undefined;
  }
}

let token = stored();
const listeners = new Set<() => void>();
let asking: Promise<boolean> | undefined;
/** The presenter closed the dialog without a token: background calls do not ask again. */
let declined = false;

/** The token given this session, if any. */
export function currentToken(): string | undefined {
  return token;
}

/** `Authorization` for an HTTP call, when a token is known. */
export function authHeaders(): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Runs `fn` whenever the token changes (the lanes reconnect with it). */
export function onTokenChange(fn: () => void): void {
  listeners.add(fn);
}

/**
 * Asks the presenter for the token (one dialog, however many calls were refused at once).
 * Resolves true when one was entered, so the refused call may be tried again. `again`: ask
 * even if the presenter declined before (a click asks; a timer does not).
 */
export function askForToken(again = true): Promise<boolean> {
  if (declined && !again) return Promise.resolve(false);
  asking ??= new Promise<boolean>((resolve) => {
    const dialog = byId('token-dialog', HTMLDialogElement);
    const input = byId('token-input', HTMLInputElement);
    input.value = '';
    dialog.addEventListener(
      'close',
      () => {
        asking = undefined;
        const value = input.value.trim();
        declined = dialog.returnValue !== 'ok' || !value;
        if (declined) return resolve(false);
        token = value;
        try {
          sessionStorage.setItem(KEY, value);
        } catch {
          // private mode: the token lasts this page only
        }
        for (const fn of listeners) fn();
        resolve(true);
      },
      { once: true },
    );
    dialog.showModal();
  });
  return asking;
}
