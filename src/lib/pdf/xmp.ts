/**
 * The document's XMP metadata packet: what PDF/A requires (pdfaid), and title, author, subject,
 * language and dates matching the Info dictionary exactly (PDF/A-2 checks both agree).
 */
export interface XmpFacts {
  title: string;
  author?: string;
  subject?: string;
  lang: string;
  createdAt: Date;
  creatorTool: string;
  producer: string;
}

const esc = (value: string) => value.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function xmpPacket(f: XmpFacts): string {
  const when = f.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const alt = (v: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${esc(v)}</rdf:li></rdf:Alt>`;
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
    ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">',
    '<dc:format>application/pdf</dc:format>',
    `<dc:title>${alt(f.title)}</dc:title>`,
    f.author ? `<dc:creator><rdf:Seq><rdf:li>${esc(f.author)}</rdf:li></rdf:Seq></dc:creator>` : '',
    f.subject ? `<dc:description>${alt(f.subject)}</dc:description>` : '',
    `<dc:language><rdf:Bag><rdf:li>${esc(f.lang)}</rdf:li></rdf:Bag></dc:language>`,
    `<xmp:CreateDate>${when}</xmp:CreateDate>`,
    `<xmp:ModifyDate>${when}</xmp:ModifyDate>`,
    `<xmp:MetadataDate>${when}</xmp:MetadataDate>`,
    `<xmp:CreatorTool>${esc(f.creatorTool)}</xmp:CreatorTool>`,
    `<pdf:Producer>${esc(f.producer)}</pdf:Producer>`,
    '<pdfaid:part>2</pdfaid:part>',
    '<pdfaid:conformance>A</pdfaid:conformance>',
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    // Padding lets a tool edit the packet in place, as the XMP specification recommends.
    ' '.repeat(1000),
    '<?xpacket end="w"?>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}
