declare module "*.mjs" {
  const source: string;
  export default source;
}
declare module "*.css" {
  const source: string;
  export default source;
}
declare module "uplot/dist/uPlot.esm.js" {
  const source: string;
  export default source;
}
