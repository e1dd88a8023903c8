import express, { type Request, type Router } from 'express';
import { SimError } from './errors.js';
import type { AuthorizeRequest, SimOAuth } from './oauth.js';
import type { SimOrg } from './org.js';

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function authorizeRequest(source: Record<string, unknown>): AuthorizeRequest {
  const get = (key: string): string => (typeof source[key] === 'string' ? (source[key]) : '');
  return {
    clientId: get('client_id'),
    redirectUri: get('redirect_uri'),
    scope: get('scope'),
    ...(get('state') ? { state: get('state') } : {}),
    ...(get('code_challenge') ? { codeChallenge: get('code_challenge') } : {}),
    ...(get('code_challenge_method') ? { codeChallengeMethod: get('code_challenge_method') } : {}),
  };
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">${body}</body></html>`;
}

/**
 * `/authorize` and `/access_token`. Instead of a Webex login, the consent page lets the visitor pick
 * which person of the simulated org they are, then press Accept.
 */
export function oauthRoutes(org: SimOrg, oauth: SimOAuth): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false }));

  router.get('/authorize', (req: Request, res) => {
    const request = authorizeRequest(req.query);
    if (req.query.response_type !== 'code') throw new SimError(400, 'response_type must be code');
    const integration = oauth.validate(request);
    const hidden = Object.entries(req.query)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([key, value]) => `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(value)}">`)
      .join('');
    const people = [...org.people.values()]
      .filter((p) => p.type === 'person')
      .map((p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(p.displayName)} (${escapeHtml(p.emails[0] ?? '')})</option>`)
      .join('');
    res.type('html').send(
      page(
        'Webex simulator sign-in',
        `<h1>${escapeHtml(integration.name)} wants to access your Webex account</h1>` +
          `<p>Scopes: ${escapeHtml(request.scope)}</p>` +
          `<form method="post" action="authorize">${hidden}<label>Sign in as <select name="personId">${people}</select></label> ` +
          `<button type="submit">Accept</button></form>`,
      ),
    );
  });

  router.post('/authorize', (req, res) => {
    const body = req.body as Record<string, unknown>;
    const request = authorizeRequest(body);
    const code = oauth.consent(request, typeof body.personId === 'string' ? body.personId : '');
    const target = new URL(request.redirectUri);
    target.searchParams.set('code', code);
    if (request.state) target.searchParams.set('state', request.state);
    res.redirect(302, target.toString());
  });

  router.post('/access_token', (req, res) => {
    res.json(oauth.exchange(req.body as Record<string, string | undefined>));
  });

  return router;
}
