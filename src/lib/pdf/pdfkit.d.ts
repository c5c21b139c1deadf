/**
 * The part of pdfkit 0.20 this writer uses. @types/pdfkit (0.17) lags behind: it knows neither parsed
 * fontkit fonts as font sources, nor the `scope` of header cells, nor outline destinations.
 */
declare module 'pdfkit' {
  import type { Readable } from 'node:stream';
  import type { Font } from 'fontkit';

  export interface Reference {
    data: Record<string, unknown>;
  }

  export interface StructureContent {
    readonly refs: unknown[];
  }

  export interface StructureElement {
    readonly dictionary: Reference;
    add(child: StructureElement | StructureContent): this;
  }

  export interface Outline {
    addItem(title: string, options?: { expanded?: boolean; top?: number; left?: number; pageNumber?: number }): Outline;
  }

  export interface DocumentInfo {
    Title?: string;
    Author?: string;
    Subject?: string;
    Creator?: string;
    Producer?: string;
    CreationDate?: Date;
    ModDate?: Date;
  }

  export interface DocumentOptions {
    pdfVersion?: '1.4' | '1.5' | '1.6' | '1.7';
    subset?: 'PDF/A-1a' | 'PDF/A-1b' | 'PDF/A-2a' | 'PDF/A-2b' | 'PDF/A-3a' | 'PDF/A-3b' | 'PDF/UA';
    tagged?: boolean;
    lang?: string;
    displayTitle?: boolean;
    autoFirstPage?: boolean;
    size?: [number, number];
    margin?: number;
    font?: Font | string;
    info?: DocumentInfo;
  }

  export interface MarkingOptions {
    type?: 'Pagination' | 'Layout' | 'Page' | 'Background';
    attached?: ('Top' | 'Bottom' | 'Left' | 'Right')[];
  }

  class PDFDocument extends Readable {
    constructor(options?: DocumentOptions);
    info: DocumentInfo;
    readonly outline: Outline;
    addPage(options?: { size?: [number, number]; margin?: number }): this;
    /** Registered fonts are looked up by name; a parsed font passed directly is embedded again on every call. */
    registerFont(name: string, src: Font): this;
    font(name: string, size?: number): this;
    fillColor(color: number[], opacity?: number): this;
    strokeColor(color: number[], opacity?: number): this;
    lineWidth(width: number): this;
    rect(x: number, y: number, width: number, height: number): this;
    moveTo(x: number, y: number): this;
    lineTo(x: number, y: number): this;
    fill(color?: number[]): this;
    stroke(color?: number[]): this;
    save(): this;
    restore(): this;
    text(text: string, x: number, y: number, options?: { lineBreak?: boolean; baseline?: 'alphabetic' | 'top' }): this;
    widthOfString(text: string): number;
    struct(type: string, options?: { scope?: 'Column' | 'Row' }): StructureElement;
    addStructure(element: StructureElement): this;
    markContent(tag: string, options?: MarkingOptions): this;
    markStructureContent(tag: string): StructureContent;
    endMarkedContent(): this;
    appendXML(xml: string, newline?: boolean): void;
    end(): void;
  }

  export default PDFDocument;
}
