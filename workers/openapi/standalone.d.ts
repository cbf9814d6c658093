/** Scalar's standalone browser bundle, imported as text (wrangler.toml `[[rules]]` Text). */
declare module "@scalar/api-reference/browser/standalone.js" {
  const source: string;
  export default source;
}
