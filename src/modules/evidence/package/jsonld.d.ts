// The part of the `jsonld` package (a devDependency, no bundled types) the CASE/UCO test uses.
declare module 'jsonld' {
  interface RemoteDocument {
    contextUrl?: string;
    documentUrl: string;
    document: unknown;
  }
  const jsonld: {
    toRDF(input: object, options: { format: 'application/n-quads'; documentLoader: (url: string) => Promise<RemoteDocument> }): Promise<string>;
  };
  export default jsonld;
}
