import express, { type Router } from 'express';
import { LinkError } from '../auth/errors.js';
import type { LinkFlow } from '../auth/link-flow.js';
import type { Logger } from '../logger.js';

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, message: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;line-height:1.5">` +
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`
  );
}

const param = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= 2048 ? value : undefined);

/** "Login with Webex": `/oauth/start` sends the browser to Webex, `/oauth/callback` finishes the link. */
/** `stateId` names the link that was used: what was asked for along with it can now go ahead. */
export function oauthRoutes(linkFlow: LinkFlow, logger: Logger, onLinked: (personId: string, stateId: string) => void): Router {
  const router = express.Router();

  // Pages that carry a one-time link or code: never cached, never named to the next site.
  router.use('/oauth', (_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    next();
  });

  router.get('/oauth/start', async (req, res) => {
    const state = param(req.query.state);
    if (!state) {
      res.status(400).type('html').send(page('Link not valid', 'This address is incomplete. Send "link" to the bot for a new one.'));
      return;
    }
    try {
      res.redirect(302, await linkFlow.authorizeUrl(state));
    } catch (error) {
      if (!(error instanceof LinkError)) throw error;
      res.status(400).type('html').send(page('Link not valid', error.userMessage));
    }
  });

  router.get('/oauth/callback', async (req, res) => {
    const state = param(req.query.state);
    const code = param(req.query.code);
    if (req.query.error || !state || !code) {
      const message = req.query.error ? 'You did not allow access, so nothing was linked.' : 'This address is incomplete.';
      res.status(400).type('html').send(page('Not linked', `${message} Send "link" to the bot to try again.`));
      return;
    }
    try {
      const { personId, displayName, stateId } = await linkFlow.complete(state, code);
      onLinked(personId, stateId);
      res.type('html').send(page('Linked', `You're all set, ${displayName}. Go back to Webex and type "park" during a call.`));
    } catch (error) {
      if (error instanceof LinkError) {
        res.status(400).type('html').send(page('Not linked', error.userMessage));
        return;
      }
      logger.error({ event: 'link-failed', error: error instanceof Error ? error.message : 'unknown' }, 'Linking an account failed');
      res.status(502).type('html').send(page('Not linked', 'Webex did not complete the sign-in. Please send "link" to the bot and try again.'));
    }
  });

  return router;
}
