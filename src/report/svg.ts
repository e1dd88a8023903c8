/** A very small SVG builder: elements with attributes, text escaped. Enough for a chart, no more. */
export type Attributes = Record<string, string | number>;

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const attributes = (attrs: Attributes): string =>
  Object.entries(attrs)
    .map(([name, value]) => ` ${name}="${escapeXml(typeof value === 'number' ? String(Math.round(value * 100) / 100) : value)}"`)
    .join('');

export const element = (name: string, attrs: Attributes, children = ''): string =>
  children ? `<${name}${attributes(attrs)}>${children}</${name}>` : `<${name}${attributes(attrs)}/>`;

export const text = (content: string, attrs: Attributes): string => `<text${attributes(attrs)}>${escapeXml(content)}</text>`;

export const svgDocument = (width: number, height: number, body: string[]): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body.join('')}</svg>`;
