// Types of html-text.mjs.

/** Decodes the entities oidc-provider's pages put in attribute values (form actions, links). */
export declare function decodeEntities(s: string): string;
/** The visible text of a page (no styles, no tags, white space folded), cut at `max` characters. */
export declare function htmlText(html: string, max: number): string;
