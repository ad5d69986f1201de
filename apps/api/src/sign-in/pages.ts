// The few pages the API answers itself, outside the dashboard: where a sign-in with Microsoft ends when
// it is refused. Everything shown is escaped; the page needs no script.
import type { Response } from 'express';

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface RefusalPage {
  status: number;
  /** Stable reason code (docs/sign-in.md). */
  reason: string;
  title: string;
  message: string;
  /** Where "try again" leads. */
  retryHref: string;
}

export function sendRefusal(res: Response, page: RefusalPage): void {
  res
    .status(page.status)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)} · Tokenfleet</title>` +
        `<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}code{background:#f2f2f2;padding:0 .25rem}</style></head>` +
        `<body><main><p><strong>Tokenfleet</strong></p><h1>${escapeHtml(page.title)}</h1><p id="message">${escapeHtml(page.message)}</p>` +
        `<p class="reason">Reason: <code id="reason">${escapeHtml(page.reason)}</code></p><p><a href="${escapeHtml(page.retryHref)}">Back to sign-in</a></p></main></body></html>`,
    );
}
