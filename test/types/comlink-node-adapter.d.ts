// comlink ships the adapter's types as node-adapter.d.ts beside the .mjs that Node loads.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import nodeEndpoint from 'comlink/dist/esm/node-adapter';
  export default nodeEndpoint;
}
