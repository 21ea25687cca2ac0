// What the page-driving helpers read out of a provider's HTML: attribute values with their
// entities decoded, and a page's visible text for an error message. Plain JavaScript, shared by
// test/browser/*.mjs and the TypeScript helpers; types in html-text.d.mts.

/** Decodes the entities oidc-provider's pages put in attribute values (form actions, links). */
export function decodeEntities(s) {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&#x2F;/gi, "/")
    .replace(/&#x3D;/gi, "=")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}

/** The visible text of a page (no styles, no tags, white space folded), cut at `max` characters. */
export function htmlText(html, max) {
  return html
    .replace(/<style[\s\S]*?<\/style>/gi, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, max);
}
