import express, { type Request, type Router } from 'express';
import { webexId } from './ids.js';
import { badRequest, notFound, SimError } from './errors.js';
import type { NewMessage, SimOrg } from './org.js';
import type { SimContent, SimMessage, SimPerson } from './model.js';

/** Webex takes files of up to 100 MB; past it the upload is refused. */
const MAX_FILE_BYTES = 100 * 1024 * 1024;
const TEXT_FIELDS = ['roomId', 'toPersonId', 'toPersonEmail', 'parentId', 'text', 'markdown'] as const;

/**
 * Posts a multipart `POST /messages` (`multipart/form-data`), read as Webex reads it: the message's
 * fields as text parts and at most one `files` part, stored and named by a `/contents/{id}` address the way
 * Webex names uploaded files. Node's own form-data parser (the fetch `Response`'s) reads the body.
 */
export async function postMultipartMessage(req: Request, org: SimOrg, senderId: string, contents: Map<string, SimContent>): Promise<SimMessage> {
  let form: FormData;
  try {
    form = await new Response(req.body as Buffer, { headers: { 'content-type': req.get('content-type') ?? '' } }).formData();
  } catch {
    throw badRequest('The multipart body could not be read');
  }
  const input: NewMessage = {};
  for (const field of TEXT_FIELDS) {
    const value = form.get(field);
    if (typeof value === 'string' && value) input[field] = value;
  }
  const files = form.getAll('files');
  // What was sent, as the request's record has it (checked against Webex's schema like a JSON body): the fields, and the files by name.
  req.body = { ...input, files: files.map((file) => (typeof file === 'string' ? file : file.name)) };
  if (files.length > 1) throw badRequest('Only one file per message');
  const file = files[0];
  if (file === undefined) return org.postMessage(senderId, input);
  if (typeof file === 'string') throw badRequest('files must be a file upload in a multipart message');
  if (file.size > MAX_FILE_BYTES) throw new SimError(413, 'The file is larger than 100 MB');
  const id = webexId('CONTENT');
  const bytes = Buffer.from(await file.arrayBuffer());
  input.files = [`${req.protocol}://${req.get('host') ?? ''}/v1/contents/${id}`];
  // Stored once the message is: a refused message keeps no file.
  const message = org.postMessage(senderId, input);
  contents.set(id, { id, roomId: message.roomId, name: file.name, contentType: file.type || 'application/octet-stream', bytes });
  return message;
}

/** `GET /contents/{id}`: the file's bytes, for members of its space only. */
export function contentRoutes(router: Router, org: SimOrg, contents: Map<string, SimContent>, caller: (res: express.Response) => { person: SimPerson }): void {
  router.get('/contents/:id', (req, res) => {
    const content = contents.get(req.params.id);
    if (!content || !org.isMember(content.roomId, caller(res).person.id)) throw notFound('Content');
    res.set('content-type', content.contentType).set('content-disposition', `attachment; filename="${content.name.replace(/["\\\r\n]/g, '_')}"`).send(content.bytes);
  });
}

/** The raw body of a multipart request, left for `readMultipartMessage`. */
export const rawMultipart = express.raw({ type: 'multipart/form-data', limit: MAX_FILE_BYTES + 1024 * 1024 });
